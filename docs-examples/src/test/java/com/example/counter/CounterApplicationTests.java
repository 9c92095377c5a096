package com.example.counter;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.model;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@SpringBootTest
@AutoConfigureMockMvc
class CounterApplicationTests {

  @Autowired
  MockMvc mvc;

  @Test
  void theCountLivesAsLongAsTheBrowserSendsItsCookie() throws Exception {
    Cookie sid = mvc.perform(post("/increment"))              // the first request to a stashed view
        .andExpect(status().is3xxRedirection())
        .andReturn().getResponse().getCookie("sid");          // gets the sid cookie
    assertThat(sid).isNotNull();

    mvc.perform(post("/increment").cookie(sid));              // MockMvc keeps no cookies: send it back
    mvc.perform(get("/").cookie(sid))
        .andExpect(model().attribute("count", 2));

    mvc.perform(get("/"))                                     // no cookie: another browser, defaults
        .andExpect(model().attribute("count", 0));
  }
}
