package dev.durablestash.spring.web.servlet.testapp;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * docs/spring.md: a {@code CompletableFuture} result is stashed once, on the async dispatch, after the
 * result is produced and before it is written. Reactor is on this test classpath (as in any app with
 * WebFlux's WebClient), and then Spring MVC hands a {@code CompletableFuture} to its
 * {@code ResponseBodyEmitterReturnValueHandler}, which the starter treats as a stream: the change made
 * while the result is produced is answered 200 but never stored.
 */
@SpringBootTest
@AutoConfigureMockMvc
class CompletableFutureStashTests {

    @Autowired
    MockMvc mvc;

    @Test
    void aChangeMadeWhileTheFutureIsProducedIsStoredBeforeTheResultIsWritten() throws Exception {
        MvcResult started = mvc.perform(post("/later/increment")).andExpect(request().asyncStarted()).andReturn();
        Cookie sid = started.getResponse().getCookie("sid");

        LaterController.PENDING.getAndSet(null).run(); // the handler has returned: produce the result now

        mvc.perform(asyncDispatch(started)).andExpect(status().isOk()).andExpect(content().string("count=1"));
        mvc.perform(get("/later").cookie(sid)).andExpect(content().string("count=1")); // acknowledged, so stored
    }
}
