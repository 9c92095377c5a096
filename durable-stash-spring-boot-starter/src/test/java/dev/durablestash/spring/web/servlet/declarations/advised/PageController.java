package dev.durablestash.spring.web.servlet.declarations.advised;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RestController;

/** A controller whose handler takes no view: its {@code @ModelAttribute} method and an advice's do. */
@RestController
public class PageController {

    @ModelAttribute("visits")
    int visits(PageState state) {
        return ++state.visits;
    }

    @GetMapping("/page")
    String show(Model model) {
        return model.getAttribute("theme") + ";" + model.getAttribute("visits");
    }
}
