package com.example.docs;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

@Controller
@StashedView
class WizardController {
  @Stashed int step;

  @GetMapping("/wizard")
  @ResponseBody
  String show() {
    return "step " + step;
  }

  @PostMapping("/wizard/next")
  String next() {
    step++;
    return "redirect:/wizard";
  }

  @PostMapping("/start-over")
  String startOver(Stash stash) {
    stash.reset();                                   // step is 0 again, in this request and in storage
    return "redirect:/wizard";
  }
}
