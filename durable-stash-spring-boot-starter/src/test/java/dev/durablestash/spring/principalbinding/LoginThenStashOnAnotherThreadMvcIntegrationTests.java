package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.testsupport.WebBrowser;

/**
 * A programmatic login in a handler, then the change written by {@code stashNow()} on another thread, where
 * the security context is not: that write sees an anonymous request and goes under the session as it was.
 * The stash before the response still follows the login, though nothing is left to write, so a sid an
 * attacker planted is rotated away from and shows nothing.
 */
@SpringBootTest(classes = { BindingTestApplication.class,
        LoginThenStashOnAnotherThreadMvcIntegrationTests.OffThreadNotes.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = "durable-stash.storage.type=memory")
class LoginThenStashOnAnotherThreadMvcIntegrationTests {

    @LocalServerPort
    int port;

    @Controller
    @StashedView(name = "off-thread-notes")
    static class OffThreadNotes {

        @Stashed
        String note;

        @GetMapping("/off-thread-notes")
        @ResponseBody
        String show() {
            return "note=" + note;
        }

        @PostMapping("/off-thread-notes")
        @ResponseBody
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        @PostMapping("/off-thread-notes/sign-in-and-stash")
        @ResponseBody
        String signInAndStash(@RequestParam String note, @RequestParam boolean elsewhere, Stash stash,
                HttpServletRequest request, HttpServletResponse response) throws Exception {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("ada", null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            SecurityContextHolder.setContext(context);
            new HttpSessionSecurityContextRepository().saveContext(context, request, response);
            this.note = note;
            if (elsewhere) {
                CompletableFuture.runAsync(stash::stashNow).get(10, TimeUnit.SECONDS);
            } else {
                stash.stashNow();
            }
            return "saved";
        }
    }

    @Test
    void controlAStashOnTheRequestThreadFollowsTheLogin() throws Exception {
        attackWith(false);
    }

    @Test
    void aStashOnAnotherThreadAfterALoginStillRotatesAwayFromThePlantedSid() throws Exception {
        attackWith(true);
    }

    private void attackWith(boolean stashElsewhere) throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.post("/off-thread-notes", "note=attacker");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);

        assertThat(victim.post("/off-thread-notes/sign-in-and-stash", "note=ada-secret&elsewhere=" + stashElsewhere)
                .body()).isEqualTo("saved");

        String sidAfterLogin = victim.sid();
        String attackersView = attacker.get("/off-thread-notes").body(); // before the victim's next request
        String victimsView = victim.get("/off-thread-notes").body();
        org.assertj.core.api.SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(attackersView).as("what the planted anonymous sid shows after the victim's login")
                    .isEqualTo("note=null");
            softly.assertThat(sidAfterLogin).as("the victim's sid cookie after her login (planted: %s)", planted)
                    .isNotEqualTo(planted);
            softly.assertThat(victimsView).as("the victim, logged in, next request").isEqualTo("note=ada-secret");
        });
    }
}
