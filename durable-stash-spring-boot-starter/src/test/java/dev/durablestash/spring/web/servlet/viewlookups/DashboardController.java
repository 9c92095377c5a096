package dev.durablestash.spring.web.servlet.viewlookups;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/** A view controller that has another view controller injected (request scope into request scope). */
@Controller
class DashboardController {

    @Stashed
    int visits;

    private final ProfileController profile;

    DashboardController(ProfileController profile) {
        this.profile = profile;
    }

    @GetMapping("/dashboard/theme")
    @ResponseBody
    String theme() {
        visits++;
        return "theme=" + profile.theme;
    }

    @PostMapping("/dashboard/theme")
    @ResponseBody
    String setTheme(@RequestParam String theme) {
        profile.theme = theme;
        return "ok";
    }
}
