package dev.durablestash.spring.web.servlet.testapp;

import java.util.ArrayList;
import java.util.List;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/** A state class taken as a handler argument. */
@StashedView(name = "prefs")
class Preferences {

    @Stashed String theme = "light";
    @Stashed List<String> recent = new ArrayList<>();
}
