package dev.durablestash.spring.web.servlet.viewlookups;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

/** A singleton controller that looks the view controller up through an ObjectProvider in its handler. */
@Controller
class SettingsController {

    private final ObjectProvider<ProfileController> profile;

    SettingsController(ObjectProvider<ProfileController> profile) {
        this.profile = profile;
    }

    @PostMapping("/settings/theme")
    @ResponseBody
    String setTheme(@RequestParam String theme) {
        profile.getObject().theme = theme;
        return "ok";
    }
}
