package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;

/** A singleton controller whose state lives in a {@link Preferences} argument. */
@RestController
class PreferencesController {

    @GetMapping("/prefs")
    String show(Preferences prefs, Stash stash) {
        return prefs.theme + ";" + prefs.recent + ";" + stash.view() + ":" + stash.status();
    }

    @PostMapping("/prefs/theme")
    String theme(Preferences prefs, @RequestParam String theme) {
        prefs.theme = theme;
        return prefs.theme;
    }

    @PostMapping("/prefs/recent")
    String addRecent(Preferences prefs, @RequestParam String item) {
        prefs.recent.add(item);
        return prefs.recent.toString();
    }
}
