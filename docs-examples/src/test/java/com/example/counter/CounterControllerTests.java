package com.example.counter;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.web.servlet.MockMvc;

import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.model;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(CounterController.class)
class CounterControllerTests {

  @Autowired
  MockMvc mvc;

  @Autowired
  InMemoryStorageBackend storage;                             // the test backend: inspect it, or make it fail

  @Test
  void theCountIsRecoveredFromStorage() throws Exception {
    Cookie sid = mvc.perform(post("/increment")).andReturn().getResponse().getCookie("sid");
    mvc.perform(get("/").cookie(sid))
        .andExpect(model().attribute("count", 1));
  }

  @Test
  void aFailedWriteIsNeverASuccess() throws Exception {
    storage.failNext(Operation.PUT, 1);
    mvc.perform(post("/increment"))
        .andExpect(status().isServiceUnavailable());
  }
}
