package dev.durablestash.spring.web.servlet.viewlookups;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/** A view controller whose state the other controllers of the application try to reach. */
@Controller
public class ProfileController {

    @Stashed
    public String theme;

    @GetMapping("/profile/theme")
    @ResponseBody
    String theme() {
        return "theme=" + theme;
    }

    @PostMapping("/profile/theme")
    @ResponseBody
    String setTheme(@RequestParam String theme) {
        this.theme = theme;
        return "ok";
    }
}
