package com.example.docs;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.model;

/**
 * The README's slice test ({@code @WebMvcTest(CounterController.class)}) in an application that also
 * has the state-class example of docs/spring.md ({@code Preferences}, taken by a package-private
 * handler method of {@code PreferencesController}): an application written from both documents.
 */
@WebMvcTest(CounterController.class)
class CounterControllerSliceTests {

  @Autowired
  MockMvc mvc;

  @Test
  void aSliceOfTheCounterStartsInAnApplicationThatAlsoHasAStateClass() throws Exception {
    Cookie sid = mvc.perform(post("/increment")).andReturn().getResponse().getCookie("sid");
    assertThat(sid).isNotNull();
    mvc.perform(get("/").cookie(sid)).andExpect(model().attribute("count", 1));
  }
}
