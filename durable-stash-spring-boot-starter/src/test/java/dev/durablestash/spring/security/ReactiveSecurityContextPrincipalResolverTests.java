package dev.durablestash.spring.security;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.RememberMeAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.web.authentication.switchuser.SwitchUserGrantedAuthority;

import static org.assertj.core.api.Assertions.assertThat;

/** What the reactive resolver reads from the Reactor context. */
class ReactiveSecurityContextPrincipalResolverTests {

    private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));

    @Test
    void anAuthenticatedUserIsNamed() {
        assertThat(resolve(new ReactiveSecurityContextPrincipalResolver(), login("ada"))).isEqualTo("ada");
        assertThat(resolve(new ReactiveSecurityContextPrincipalResolver(), new RememberMeAuthenticationToken("key",
                "ada", AuthorityUtils.createAuthorityList("ROLE_USER")))).isEqualTo("ada");
    }

    @Test
    void noSecurityContextAndAnonymousAuthenticationAreAnonymous() {
        ReactiveSecurityContextPrincipalResolver resolver = new ReactiveSecurityContextPrincipalResolver();
        assertThat(resolver.principalName(exchange).block()).isNull();
        assertThat(resolve(resolver, new AnonymousAuthenticationToken("key", "anonymousUser",
                AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")))).isNull();
        assertThat(resolve(resolver, UsernamePasswordAuthenticationToken.unauthenticated("ada", "pw"))).isNull();
    }

    @Test
    void anImpersonatingUserIsTheOneWhoSwitched() {
        Authentication admin = login("admin");
        Authentication switched = UsernamePasswordAuthenticationToken.authenticated("ada", null,
                List.of(new SwitchUserGrantedAuthority("ROLE_PREVIOUS_ADMINISTRATOR", admin)));
        assertThat(resolve(new ReactiveSecurityContextPrincipalResolver(), switched)).isEqualTo("admin");
    }

    @Test
    void theNamingFunctionNamesThePrincipalAndNullIsAnonymous() {
        assertThat(resolve(new ReactiveSecurityContextPrincipalResolver(a -> "id-of-" + a.getName()), login("ada")))
                .isEqualTo("id-of-ada");
        assertThat(resolve(new ReactiveSecurityContextPrincipalResolver(a -> null), login("ada"))).isNull();
    }

    private @Nullable String resolve(ReactiveSecurityContextPrincipalResolver resolver, Authentication authentication) {
        return resolver.principalName(exchange)
                .contextWrite(ReactiveSecurityContextHolder.withAuthentication(authentication)).block();
    }

    private static Authentication login(String name) {
        return UsernamePasswordAuthenticationToken.authenticated(name, null,
                AuthorityUtils.createAuthorityList("ROLE_USER"));
    }
}
