package com.example.counter;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;

@Controller                                          // a view: it has @Stashed fields, named after the class
class CounterController {
  @Stashed int count;                                // SESSION scope by default
  @Stashed String username;
  @Stashed(scope = Scope.RECONNECT) String draft;    // recovered only when the page rejoins

  @GetMapping("/")
  String index(Model model) {
    model.addAttribute("count", count);
    return "index";
  }

  @PostMapping("/increment")
  String increment() {
    count++;                                         // durable before the redirect is sent
    return "redirect:/";
  }
}
