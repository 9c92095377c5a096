package com.example.docs;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;

import dev.durablestash.spring.web.servlet.BrowserSession;

@Controller
class AccountController {
  @PostMapping("/switch-account")
  String switchAccount(HttpServletRequest request) {
    BrowserSession.of(request).rotate();   // or .end() to forget everything
    return "redirect:/";
  }
}
