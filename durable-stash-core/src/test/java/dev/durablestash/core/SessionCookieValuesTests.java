package dev.durablestash.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionCookieValuesTests {

    private static final String OLD = "old-secret-0123456789abcdefghijklmnop";
    private static final String NEW = "new-secret-0123456789abcdefghijklmnop";
    private static final String OTHER = "other-app-secret-0123456789abcdefghij";

    private final SessionCookieValues values = values(StashSettings.builder().secret(OLD));

    @Test
    void encodedValueIs66UrlSafeCharactersAndDecodesToItsSid() {
        String sid = SessionIds.newSid();
        String value = values.encode(sid);
        assertThat(value).hasSize(SessionCookieValues.LENGTH).hasSize(66).matches("[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}")
                .startsWith(sid + ".");
        assertDecoded(values.decode(value), sid, false);
        assertThat(values.decode(value).isAnonymous()).isTrue();
    }

    @Test
    void anUntaggedSidIsRejected() {
        assertThat(values.decode(SessionIds.newSid())).isNull();
    }

    @Test
    void aForgedTagIsRejected() {
        String value = values.encode(SessionIds.newSid());
        for (int i = SessionIds.LENGTH + 1; i < value.length(); i++) {
            char replacement = value.charAt(i) == 'A' ? 'B' : 'A';
            String forged = value.substring(0, i) + replacement + value.substring(i + 1);
            assertThat(values.decode(forged)).as("changed at %d", i).isNull();
        }
    }

    @Test
    void aTagOfAnotherSidIsRejected() {
        String tagOfOther = values.encode(SessionIds.newSid()).substring(SessionIds.LENGTH);
        assertThat(values.decode(SessionIds.newSid() + tagOfOther)).isNull();
    }

    @Test
    void aTagUnderAnotherSecretIsRejected() {
        String foreign = values(StashSettings.builder().secret(OTHER)).encode(SessionIds.newSid());
        assertThat(values.decode(foreign)).isNull();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { ".", "garbage", "a.b", "Vd4nO3cQm2fJ0kq8WcE1x7rTzY5uHbA9sLpGiDhNwKA.", "%%%" })
    void garbageIsRejected(String value) {
        assertThat(values.decode(value)).isNull();
    }

    @Test
    void aMalformedSidWithAValidLengthIsRejected() {
        String value = values.encode(SessionIds.newSid());
        assertThat(values.decode("!" + value.substring(1))).isNull();
        assertThat(values.decode(value.replace('.', '_'))).isNull();
        assertThat(values.decode(value + "A")).isNull();
    }

    @Test
    void encodeRefusesWhatIsNotASid() {
        assertThatIllegalArgumentException().isThrownBy(() -> values.encode("attacker-chosen"));
    }

    @Test
    void aTagUnderAPreviousSecretIsAcceptedAndAsksForARetag() {
        String sid = SessionIds.newSid();
        String issuedBefore = values.encode(sid);
        SessionCookieValues afterSwitch = values(StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD)));
        assertDecoded(afterSwitch.decode(issuedBefore), sid, true);
        assertDecoded(afterSwitch.decode(afterSwitch.encode(sid)), sid, false);
    }

    @Test
    void aTagUnderTheNextSecretIsAcceptedWithoutARetag() {
        String sid = SessionIds.newSid();
        SessionCookieValues stepTwo = values(StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD)));
        SessionCookieValues stepOne = values(StashSettings.builder().secret(OLD).nextSecret(NEW));
        assertDecoded(stepOne.decode(stepTwo.encode(sid)), sid, false);
        assertDecoded(stepTwo.decode(stepOne.encode(sid)), sid, true);
    }

    @Test
    void aTagUnderAForgottenSecretIsRejected() {
        String issuedBefore = values.encode(SessionIds.newSid());
        assertThat(values(StashSettings.builder().secret(NEW)).decode(issuedBefore)).isNull();
    }

    @Test
    void theTagIsNotTheStorageKey() {
        StashSettings settings = StashSettings.builder().secret(OLD).keyPrefix("").build();
        String sid = SessionIds.newSid();
        String tag = new SessionCookieValues(settings).encode(sid).substring(SessionIds.LENGTH + 1);
        assertThat(new StorageKeys(settings).currentKey(sid)).doesNotStartWith(tag);
    }

    @Test
    void aBoundValueIs89UrlSafeCharactersThatNameNoPrincipal() {
        String sid = SessionIds.newSid();
        String principal = "ada.lovelace@example.com";
        String value = values.encode(sid, principal);
        // Neither the name nor its encoding, in any part of at least 8 characters (a random value of 89
        // characters holds a given 3 letters, "ada" say, once in about 3,000 values: that check failed a build).
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(principal.getBytes(UTF_8));
        assertThat(value).hasSize(SessionCookieValues.BOUND_LENGTH).hasSize(89)
                .matches("[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22}").startsWith(sid + ".")
                .doesNotContain("lovelace").doesNotContain("example").doesNotContain(encoded.substring(0, 8))
                .doesNotContain(encoded.substring(8, 16)).doesNotContain(encoded.substring(16, 24));
        assertDecoded(values.decode(value), sid, false);
        assertThat(values.decode(value).isAnonymous()).isFalse();
    }

    @Test
    void aSessionIsAdoptedOnlyByItsOwnPrincipal() {
        String sid = SessionIds.newSid();
        SessionCookieValues.Decoded ada = values.decode(values.encode(sid, "ada"));
        assertThat(ada.claimBy("ada")).isEqualTo(SessionCookieValues.Claim.ADOPT);
        assertThat(ada.claimBy("bob")).isEqualTo(SessionCookieValues.Claim.REPLACE);
        assertThat(ada.claimBy("Ada")).isEqualTo(SessionCookieValues.Claim.REPLACE);
        assertThat(ada.claimBy(null)).as("an anonymous request").isEqualTo(SessionCookieValues.Claim.REPLACE);
    }

    @Test
    void theOwnerIsComparedAgainWhenThePrincipalChanges() {
        SessionCookieValues.Decoded ada = values.decode(values.encode(SessionIds.newSid(), "ada"));
        assertThat(List.of(ada.claimBy("ada"), ada.claimBy("ada"), ada.claimBy("bob"), ada.claimBy("bob"),
                ada.claimBy("ada"), ada.claimBy("Ada"), ada.claimBy("ada")))
                .containsExactly(SessionCookieValues.Claim.ADOPT, SessionCookieValues.Claim.ADOPT,
                        SessionCookieValues.Claim.REPLACE, SessionCookieValues.Claim.REPLACE,
                        SessionCookieValues.Claim.ADOPT, SessionCookieValues.Claim.REPLACE,
                        SessionCookieValues.Claim.ADOPT);
    }

    @Test
    void aValueDecodedAgainGivesTheSameAnswerAndOnlyValidValuesAreKept() {
        String sid = SessionIds.newSid();
        String value = values.encode(sid, "ada");
        SessionCookieValues.Decoded first = values.decode(value);
        assertThat(values.recentValues()).isEqualTo(1);
        SessionCookieValues.Decoded again = values.decode(new String(value.toCharArray())); // another request's string
        assertThat(again.sid()).isEqualTo(sid);
        assertThat(again.retag()).isEqualTo(first.retag());
        assertThat(again.claimBy("ada")).isEqualTo(SessionCookieValues.Claim.ADOPT);
        assertThat(again.claimBy("bob")).isEqualTo(SessionCookieValues.Claim.REPLACE);
        for (int i = SessionIds.LENGTH + 1; i < value.length(); i++) {
            char replacement = value.charAt(i) == 'A' ? 'B' : 'A';
            assertThat(values.decode(value.substring(0, i) + replacement + value.substring(i + 1))).isNull();
        }
        assertThat(values.decode(SessionIds.newSid() + value.substring(SessionIds.LENGTH))).isNull();
        assertThat(values.recentValues()).as("forged values are not kept").isEqualTo(1);
    }

    @Test
    void theValuesKeptAreBoundedAndEachStillDecodesAfterwards() {
        List<String> sids = new ArrayList<>();
        List<String> cookieValues = new ArrayList<>();
        for (int i = 0; i < SessionCookieValues.GENERATION * 5 + 10; i++) {
            sids.add(SessionIds.newSid());
            cookieValues.add(values.encode(sids.get(i)));
            assertThat(values.decode(cookieValues.get(i)).sid()).isEqualTo(sids.get(i));
            assertThat(values.recentValues()).isBetween(1, 2 * SessionCookieValues.GENERATION);
        }
        for (int i = 0; i < sids.size(); i++) {
            assertThat(values.decode(cookieValues.get(i)).sid()).isEqualTo(sids.get(i));
        }
        assertThat(values.recentValues()).isBetween(SessionCookieValues.GENERATION, 2 * SessionCookieValues.GENERATION);
    }

    @Test
    void theValuesInUseStayWhileNewOnesComeAndGo() {
        List<String> inUse = new ArrayList<>();
        // Between two uses of a value in use, fewer than GENERATION values are kept: the round's 512 new
        // ones, and the 499 others in use copied into the newer generation.
        for (int i = 0; i < SessionCookieValues.GENERATION / 2 - 12; i++) {
            inUse.add(values.encode(SessionIds.newSid(), i % 2 == 0 ? null : "ada"));
        }
        List<SessionCookieValues.Decoded> first = inUse.stream().map(values::decode).toList();
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < SessionCookieValues.GENERATION / 2; i++) {
                values.decode(values.encode(SessionIds.newSid())); // a browser seen once
            }
            for (int i = 0; i < inUse.size(); i++) {
                assertThat(values.decode(inUse.get(i))).as("round %d, value %d: kept, not decoded again", round, i)
                        .isSameAs(first.get(i));
            }
        }
        assertThat(values.recentValues()).isBetween(inUse.size(), 2 * SessionCookieValues.GENERATION);
    }

    @Test
    void valuesCopiedFromTheOlderGenerationKeepTheBound() {
        List<String> inUse = new ArrayList<>();
        for (int round = 0; round < 12; round++) {
            for (String value : inUse) {
                values.decode(value);
                assertThat(values.recentValues()).isLessThanOrEqualTo(2 * SessionCookieValues.GENERATION);
            }
            for (int i = 0; i < SessionCookieValues.GENERATION; i++) {
                String value = values.encode(SessionIds.newSid());
                values.decode(value);
                inUse.add(value);
                assertThat(values.recentValues()).isLessThanOrEqualTo(2 * SessionCookieValues.GENERATION);
            }
        }
    }

    @Test
    void anAnonymousSessionIsAdoptedAnonymouslyAndRotatedByAnyPrincipal() {
        SessionCookieValues.Decoded anonymous = values.decode(values.encode(SessionIds.newSid()));
        assertThat(anonymous.claimBy(null)).isEqualTo(SessionCookieValues.Claim.ADOPT);
        assertThat(anonymous.claimBy("ada")).isEqualTo(SessionCookieValues.Claim.ROTATE);
    }

    @Test
    void theOwnerCannotBeChangedOrRemoved() {
        String sid = SessionIds.newSid();
        String ada = values.encode(sid, "ada");
        String bob = values.encode(sid, "bob");
        String adaWithBobsOwner = ada.substring(0, SessionIds.LENGTH + 1) + bob.substring(SessionIds.LENGTH + 1, SessionIds.LENGTH + 23)
                + ada.substring(SessionIds.LENGTH + 23);
        assertThat(values.decode(adaWithBobsOwner)).isNull();
        String withoutOwner = ada.substring(0, SessionIds.LENGTH) + ada.substring(SessionIds.LENGTH + 23);
        assertThat(values.decode(withoutOwner)).as("the owner cut out, the tag kept").isNull();
        for (int i = SessionIds.LENGTH + 1; i < ada.length(); i++) {
            char replacement = ada.charAt(i) == 'A' ? 'B' : 'A';
            assertThat(values.decode(ada.substring(0, i) + replacement + ada.substring(i + 1))).as("changed at %d", i).isNull();
        }
    }

    @Test
    void theOwnerIsComparedUnderTheSecretThatMadeTheTag() {
        String sid = SessionIds.newSid();
        String issuedBefore = values.encode(sid, "ada");
        SessionCookieValues afterSwitch = values(StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD)));
        SessionCookieValues.Decoded decoded = afterSwitch.decode(issuedBefore);
        assertDecoded(decoded, sid, true);
        assertThat(decoded.claimBy("ada")).isEqualTo(SessionCookieValues.Claim.ADOPT);
        assertThat(decoded.claimBy("bob")).isEqualTo(SessionCookieValues.Claim.REPLACE);
    }

    @Test
    void ofSeveralCookiesOnlyOneSessionIsEverPicked() {
        String sid = SessionIds.newSid();
        String other = SessionIds.newSid();
        SessionCookieValues afterSwitch = values(StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD)));
        assertDecoded(afterSwitch.decodeOne(List.of(values.encode(sid), afterSwitch.encode(sid), "garbage"), null), sid,
                false);
        assertThat(values.decodeOne(List.of(values.encode(sid), values.encode(other)), null)).as("tossed").isNull();
        assertDecoded(values.decodeOne(List.of(values.encode(other), values.encode(sid, "ada")), "ada"), sid, false);
        assertThat(values.decodeOne(List.of(values.encode(other, "ada"), values.encode(sid, "ada")), "ada"))
                .as("two bound to the principal").isNull();
        assertThat(values.decodeOne(List.of(values.encode(other), values.encode(sid, "ada")), "bob")).isNull();
        assertThat(values.decodeOne(List.of(), "ada")).isNull();
    }

    private static void assertDecoded(SessionCookieValues.Decoded decoded, String sid, boolean retag) {
        assertThat(decoded).isNotNull();
        assertThat(decoded.sid()).isEqualTo(sid);
        assertThat(decoded.retag()).isEqualTo(retag);
    }

    private static SessionCookieValues values(StashSettings.Builder builder) {
        return new SessionCookieValues(builder.build());
    }
}
