package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/** A @StashedView controller behind a scoped proxy: its fields live on the target, not the proxy. */
@RestController
@StashedView(name = "proxied")
@Scope(value = WebApplicationContext.SCOPE_REQUEST, proxyMode = ScopedProxyMode.TARGET_CLASS)
class ProxiedController {

    @Stashed int hits;

    @PostMapping("/proxied/hit")
    String hit() {
        hits++;
        return Integer.toString(hits);
    }
}
