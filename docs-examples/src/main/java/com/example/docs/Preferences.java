package com.example.docs;

import java.util.ArrayList;
import java.util.List;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

@StashedView(name = "prefs")                         // optional: the view would be "Preferences"
class Preferences {
  @Stashed String theme = "light";
  @Stashed List<String> recent = new ArrayList<>();
}

@RestController
class PreferencesController {
  @PostMapping("/prefs/theme")
  String theme(Preferences prefs, @RequestParam String theme) {
    prefs.theme = theme;
    return prefs.theme;
  }
}
