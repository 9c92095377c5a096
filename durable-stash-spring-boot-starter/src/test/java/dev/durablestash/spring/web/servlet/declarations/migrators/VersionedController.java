package dev.durablestash.spring.web.servlet.declarations.migrators;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/** A view in its second version, whose migrator the tests name rightly or wrongly. */
@RestController
@StashedView(vsn = 2)
public class VersionedController {

    @Stashed int count;

    @GetMapping("/v")
    String show() {
        return Integer.toString(count);
    }
}
