package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.InvalidValuePolicy;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testsupport.ExpectedLogs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.ser.std.StdSerializer;

/**
 * A value JSON can represent at one time and not at another is a change: that must not turn values
 * that stay unrepresentable, or an {@code Optional}, into a change on every request, nor warn again on
 * every check; and a reset must still give the defaults.
 */
class RepresentabilityChangeTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @JsonSerialize(using = FormSerializer.class)
    static final class Form {
        String title;

        @JsonCreator // read back as stored values must be
        Form(@JsonProperty("title") String title) {
            this.title = title;
        }
    }

    /** Refuses a form without a title (an application's invariant). */
    static final class FormSerializer extends StdSerializer<Form> {
        FormSerializer() {
            super(Form.class);
        }

        @Override
        public void serialize(Form value, JsonGenerator gen, SerializationContext context) {
            if (value.title == null) {
                throw new IllegalStateException("a form needs a title");
            }
            gen.writeStartObject();
            gen.writeStringProperty("title", value.title);
            gen.writeEndObject();
        }
    }

    @StashedView(name = "wizard")
    static class Wizard {
        @Stashed Form form = new Form(null);
        @Stashed Optional<String> nick = Optional.empty();
        @Stashed int step;
    }

    @Test
    void anUnrepresentableDefaultLeftAloneIsNoChangeRequestAfterRequest() {
        String sid = SessionIds.newSid();
        for (int request = 0; request < 3; request++) {
            Wizard view = new Wizard();
            ViewBinding binding = recover(view, sid);
            assertThat(binding.hasChanges()).as("request %d", request).isFalse();
            view.step++;
            binding.stashNow();
            assertThat(binding.hasChanges()).isFalse();
        }
        Wizard later = new Wizard();
        recover(later, sid);
        assertThat(later.step).as("one step stashed per request").isEqualTo(3);
        assertThat(later.form.title).isNull();
        assertThat(new String(storage.read(storage.keys().iterator().next()).orElseThrow()))
                .as("the untouched form was never written").doesNotContain("\"form\"");
    }

    @Test
    void anOptionalIsComparedByItsJson() {
        String sid = SessionIds.newSid();
        Wizard view = new Wizard();
        ViewBinding binding = recover(view, sid);
        view.nick = Optional.empty(); // another empty Optional: the same JSON
        assertThat(binding.hasChanges()).isFalse();
        view.nick = Optional.of("ada");
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        Wizard next = new Wizard();
        ViewBinding again = recover(next, sid);
        assertThat(next.nick).contains("ada");
        assertThat(again.hasChanges()).isFalse();
    }

    @Test
    void underPolicyLogAValueMadeUnrepresentableInPlaceWarnsOnceNotOnEveryCheck() {
        use(StashSettings.builder().secret(SECRET).invalidValuePolicy(InvalidValuePolicy.LOG).build());
        logs.expect(Level.WARN, "cannot stash key 'form' of view 'wizard'");
        String sid = SessionIds.newSid();
        Wizard view = new Wizard();
        view.form.title = "first";
        ViewBinding binding = recover(view, sid);
        binding.stashNow(); // nothing changed since recovery
        view.form.title = null; // made unrepresentable in place
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow(); // skipped with a warning
        long warnings = logs.messages(Level.WARN).size();
        assertThat(binding.hasChanges()).as("the same unrepresentable object, already reported").isFalse();
        binding.stashNow();
        assertThat(logs.messages(Level.WARN)).hasSize((int) warnings);
    }

    /**
     * A documented limit (docs/spring.md, {@code reset()}): a default that JSON cannot represent cannot be
     * copied, so reset puts back that very object, and a change made to it in place stays.
     */
    @Test
    void aResetPutsBackAnUnrepresentableDefaultAsTheSameObjectWithItsInPlaceChanges() {
        String sid = SessionIds.newSid();
        Wizard view = new Wizard();
        Object defaultForm = view.form;
        ViewBinding binding = recover(view, sid);
        view.form.title = "mine"; // completed in place: now a change, and stashed
        binding.stashNow();
        binding.reset();
        assertThat(view.form).as("the default object itself").isSameAs(defaultForm);
        assertThat(view.form.title).as("its change made in place").isEqualTo("mine");
        assertThat(binding.hasChanges()).isFalse();
    }
}
