package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Principal names at the edges of the binding (sid.owner.tag). */
class SessionCookieValuesPrincipalTests {

    private final SessionCookieValues values = new SessionCookieValues(
            StashSettings.builder().secret("review-secret-0123456789abcdefghijklmn").build());

    /**
     * The owner hashes the name's UTF-8 bytes with String.getBytes, which replaces an unpaired
     * surrogate by '?': "bob\uD800" (a name a JSON sign-up form can carry) and "bob?" get the same
     * owner, so one adopts the other's session on a shared browser.
     */
    @Test
    void twoDifferentNamesNeverShareAnOwner() {
        SessionCookieValues.Decoded bobQuestion = values.decode(values.encode(SessionIds.newSid(), "bob?"));

        assertThat(bobQuestion.claimBy("bob\uD800")).isEqualTo(SessionCookieValues.Claim.REPLACE);
    }

    /** Passing check: an authenticated principal named "" is not anonymous, and vice versa. */
    @Test
    void anEmptyNameIsNotAnonymous() {
        SessionCookieValues.Decoded empty = values.decode(values.encode(SessionIds.newSid(), ""));
        SessionCookieValues.Decoded anonymous = values.decode(values.encode(SessionIds.newSid(), null));

        assertThat(empty.isAnonymous()).isFalse();
        assertThat(empty.claimBy(null)).isEqualTo(SessionCookieValues.Claim.REPLACE);
        assertThat(anonymous.claimBy("")).isEqualTo(SessionCookieValues.Claim.ROTATE);
    }

    /** Passing check: unicode, dots and very long names bind and compare exactly, in 89 characters. */
    @Test
    void unicodeDottedAndLongNamesBindExactly() {
        String longName = "x".repeat(100_000);
        for (String name : new String[] { "ädä.ü@example.org", "a.b.c", longName, "\uD83D\uDE00" }) {
            String cookie = values.encode(SessionIds.newSid(), name);
            assertThat(cookie).hasSize(SessionCookieValues.BOUND_LENGTH).matches("[A-Za-z0-9_.-]+");
            assertThat(values.decode(cookie).claimBy(name)).isEqualTo(SessionCookieValues.Claim.ADOPT);
            assertThat(values.decode(cookie).claimBy(name + " ")).isEqualTo(SessionCookieValues.Claim.REPLACE);
        }
    }

    /** Passing check: an anonymous tag does not validate the bound form of the same sid, and vice versa. */
    @Test
    void anonymousAndBoundTagsCannotBeSpliced() {
        String sid = SessionIds.newSid();
        String anonymous = values.encode(sid);
        String bound = values.encode(sid, "ada");
        String anonymousTag = anonymous.substring(anonymous.length() - 22);
        String owner = bound.substring(44, 66);

        assertThat(values.decode(sid + "." + owner + "." + anonymousTag)).isNull();
        assertThat(values.decode(sid + "." + bound.substring(bound.length() - 22))).isNull();
        assertThat(values.decode(bound.substring(0, 66) + "." + anonymousTag)).isNull();
    }
}
