package dev.durablestash.spring.web.servlet.firsthour;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.servlet.BrowserSession;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring MVC developer's first hour with the starter, on a running app over the in-memory backend: values of
 * many types, a multipart form marked as a rejoin, the script, and what an exception handler can store.
 */
@SpringBootTest(classes = FirstHourMvcTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class FirstHourMvcTests {

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    String sid;

    @Test
    void valuesOfManyTypesComeBackAsStashedAndAnUnchangedRequestWritesNothing() throws Exception {
        HttpResponse<String> set = send(post("/types/set", "application/x-www-form-urlencoded", "x=1"));
        assertThat(set.statusCode()).isEqualTo(200);
        HttpResponse<String> got = send(get("/types"));
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(set.body());
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        long puts = storage.count(Operation.PUT);
        send(get("/types"));
        send(get("/types"));
        assertThat(storage.count(Operation.PUT)).as("PUTs of requests that changed nothing").isEqualTo(puts);
    }

    @Test
    void aMultipartFormWithTheMountsFieldIsARejoinAsAnUrlEncodedOneIs() throws Exception {
        send(post("/draft", "application/x-www-form-urlencoded", "draft=hello", "X-Stash-Mounts", "1"));
        // control: an url-encoded form with _mounts=1 (what /durable-stash.js adds) rejoins
        assertThat(send(post("/draft/show", "application/x-www-form-urlencoded", "_mounts=1")).body())
                .isEqualTo("hello");
        // a multipart form (enctype="multipart/form-data", a file upload) gets the same hidden field
        String boundary = "XyZzy";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"_mounts\"\r\n\r\n1\r\n--"
                + boundary + "--\r\n";
        HttpResponse<String> multipart = send(post("/draft/show", "multipart/form-data; boundary=" + boundary, body));
        assertThat(multipart.body()).as("draft seen by a multipart form marked _mounts=1").isEqualTo("hello");
    }

    @Test
    void anExceptionHandlerOfTheViewControllerStashesNothingAsDocumented() throws Exception {
        send(post("/boom/ok", "application/x-www-form-urlencoded", "x=1"));
        HttpResponse<String> failed = send(post("/boom/fail", "application/x-www-form-urlencoded", "x=1"));
        assertThat(failed.statusCode()).isEqualTo(409);
        assertThat(send(get("/boom")).body()).isEqualTo("1");
    }

    @Test
    void theScriptIsServedAsJavaScript() throws Exception {
        HttpResponse<String> script = send(get("/durable-stash.js"));
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(script.headers().firstValue("Cache-Control").orElse("")).contains("no-cache");
        assertThat(script.body()).contains("X-Stash-Mounts");
        HttpResponse<String> head = send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/durable-stash.js"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
    }

    @Test
    void aRotationInTheExceptionHandlerStoresNeitherTheFailedHandlersHalfDoneChangeNorItsOwn() throws Exception {
        // docs/spring.md: "A handler that throws stashes nothing, also when an @ExceptionHandler answers its error"
        send(post("/boom/ok", "application/x-www-form-urlencoded", "x=1")); // count = 1, stored
        String before = sid;
        HttpResponse<String> failed = send(post("/boom/fail2", "application/x-www-form-urlencoded", "x=1"));
        assertThat(failed.statusCode()).isEqualTo(409);
        assertThat(failed.body()).as("the exception handler sees the count as stored").isEqualTo("rotated 101");
        assertThat(sid).as("the sid was rotated").isNotEqualTo(before);
        // the rotation stashes the bound views first: neither the failed handler's count++ nor the +100
        assertThat(send(get("/boom")).body()).as("count stored after the failed handler").isEqualTo("1");
    }

    @Test
    void aStashNowInTheExceptionHandlerOnAHandleTheFailedHandlerKeptStoresNothing() throws Exception {
        send(post("/boom/ok", "application/x-www-form-urlencoded", "x=1")); // count = 1, stored
        HttpResponse<String> failed = send(post("/boom/fail3", "application/x-www-form-urlencoded", "x=1"));
        assertThat(failed.statusCode()).isEqualTo(409);
        assertThat(send(get("/boom")).body()).as("count stored after the failed handler").isEqualTo("1");
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
    }

    private HttpRequest.Builder post(String path, String type, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
        if (sid != null) {
            builder.header("Cookie", "sid=" + sid);
        }
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        for (String value : response.headers().allValues("Set-Cookie")) {
            if (value.startsWith("sid=")) {
                int end = value.indexOf(';');
                sid = value.substring(4, end < 0 ? value.length() : end);
            }
        }
        return response;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
    @Import({ TypesController.class, DraftController.class, BoomController.class })
    static class App {
    }

    public enum Color { RED, GREEN, BLUE }

    public record Line(String sku, BigDecimal price, List<String> tags) {
    }

    public record Order(UUID id, List<Line> lines, Optional<String> note, Color color) {
    }

    @Controller
    static class TypesController {
        @Stashed char initial = 'x';
        @Stashed Character boxedChar;
        @Stashed byte[] bytes;
        @Stashed char[] chars;
        @Stashed Optional<LocalDate> due = Optional.empty();
        @Stashed Optional<String> empty = Optional.of("default");
        @Stashed OptionalInt optInt = OptionalInt.empty();
        @Stashed Locale locale;
        @Stashed Locale rootLocale = Locale.ENGLISH;
        @Stashed URI uri;
        @Stashed UUID uuid;
        @Stashed BigDecimal amount;
        @Stashed EnumSet<Color> colors = EnumSet.noneOf(Color.class);
        @Stashed Map<LocalDate, List<Line>> byDay = new HashMap<>();
        @Stashed ZonedDateTime when;
        @Stashed OffsetDateTime offset;
        @Stashed Instant instant;
        @Stashed LocalTime time;
        @Stashed Duration duration;
        @Stashed Currency currency;
        @Stashed ZoneId zone;
        @Stashed Order order;
        @Stashed Integer maybe = 5;
        @Stashed Color color;
        @Stashed float f;
        @Stashed double d;
        @Stashed long big;
        @Stashed short s;
        @Stashed List<Optional<String>> optionals = new ArrayList<>();
        @Stashed java.util.Date date;

        @PostMapping("/types/set")
        @ResponseBody
        String set() {
            initial = 'é';
            boxedChar = '\u0000';
            bytes = new byte[] { 0, -1, 127 };
            chars = new char[] { 'a', '\n', 'z' };
            due = Optional.of(LocalDate.of(2026, 12, 7));
            empty = Optional.empty();
            optInt = OptionalInt.of(7);
            locale = Locale.forLanguageTag("sr-Latn-RS");
            rootLocale = Locale.ROOT;
            uri = URI.create("https://example.com/a%20b?q=1#frag");
            uuid = UUID.randomUUID();
            amount = new BigDecimal("12345678901234567890.1230");
            colors.add(Color.BLUE);
            colors.add(Color.RED);
            byDay.put(LocalDate.of(2026, 1, 2), List.of(new Line("a", new BigDecimal("1.10"), List.of("x"))));
            when = ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 123_456_789, ZoneId.of("Europe/Paris"));
            offset = OffsetDateTime.of(2026, 3, 1, 2, 3, 4, 0, ZoneOffset.ofHours(-5));
            instant = Instant.ofEpochSecond(1, 999_999_999);
            time = LocalTime.of(23, 59, 59, 1);
            duration = Duration.ofMillis(1500);
            currency = Currency.getInstance("EUR");
            zone = ZoneId.of("America/Argentina/Buenos_Aires");
            order = new Order(UUID.randomUUID(), List.of(new Line("b", BigDecimal.TEN, List.of())), Optional.empty(),
                    Color.GREEN);
            maybe = null;
            color = Color.BLUE;
            f = 0.1f;
            d = 1e-300;
            big = Long.MAX_VALUE;
            s = Short.MIN_VALUE;
            optionals.add(Optional.of("q"));
            optionals.add(Optional.empty());
            date = new java.util.Date(123456789L);
            return describe();
        }

        @GetMapping("/types")
        @ResponseBody
        String show() {
            return describe();
        }

        private String describe() {
            return String.join("\n", "initial=" + initial, "boxedChar=" + (int) (boxedChar == null ? -1 : boxedChar),
                    "bytes=" + Arrays.toString(bytes), "chars=" + Arrays.toString(chars), "due=" + due,
                    "empty=" + empty, "optInt=" + optInt,
                    "locale=" + locale + "/" + (locale == null ? "" : locale.toLanguageTag()),
                    "rootLocale=" + rootLocale + "|" + (rootLocale == Locale.ROOT || Locale.ROOT.equals(rootLocale)),
                    "uri=" + uri, "uuid=" + uuid, "amount=" + amount, "colors=" + colors + colors.getClass(),
                    "byDay=" + byDay, "when=" + when, "offset=" + offset, "instant=" + instant, "time=" + time,
                    "duration=" + duration, "currency=" + currency, "zone=" + zone, "order=" + order,
                    "maybe=" + maybe, "color=" + color, "f=" + f, "d=" + d, "big=" + big, "s=" + s,
                    "optionals=" + optionals, "date=" + (date == null ? null : date.getTime()));
        }
    }

    @Controller
    @RequestMapping("/draft")
    static class DraftController {
        @Stashed(scope = Scope.RECONNECT) String draft;

        @PostMapping
        @ResponseBody
        String set(@RequestParam String draft) {
            this.draft = draft;
            return "ok";
        }

        @PostMapping("/show")
        @ResponseBody
        String show() {
            return String.valueOf(draft);
        }
    }

    @Controller
    @RequestMapping("/boom")
    static class BoomController {
        @Stashed int count;
        /** The handle the failed handler {@code /boom/fail3} kept, for its exception handler. */
        Stash held;

        @GetMapping
        @ResponseBody
        String show() {
            return Integer.toString(count);
        }

        @PostMapping("/ok")
        @ResponseBody
        String ok() {
            count++;
            return Integer.toString(count);
        }

        @PostMapping("/fail")
        @ResponseBody
        String fail() {
            count++;
            throw new IllegalArgumentException("boom");
        }

        @PostMapping("/fail2")
        @ResponseBody
        String fail2() {
            count++;
            throw new IllegalStateException("boom");
        }

        @PostMapping("/fail3")
        @ResponseBody
        String fail3(Stash stash) {
            held = stash;
            count++;
            throw new UnsupportedOperationException("boom");
        }

        @ExceptionHandler(IllegalStateException.class)
        ResponseEntity<String> rotateOnError(IllegalStateException e, HttpServletRequest request) {
            count += 100;
            BrowserSession.of(request).rotate();
            return ResponseEntity.status(409).body("rotated " + count);
        }

        @ExceptionHandler(UnsupportedOperationException.class)
        ResponseEntity<String> stashNowOnError(UnsupportedOperationException e) {
            count += 100;
            held.stashNow();
            return ResponseEntity.status(409).body("stashed " + count);
        }

        @ExceptionHandler(IllegalArgumentException.class)
        ResponseEntity<String> handle(IllegalArgumentException e) {
            count += 100;
            return ResponseEntity.status(409).body("conflict " + count);
        }
    }
}
