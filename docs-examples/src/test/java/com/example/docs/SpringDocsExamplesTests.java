package com.example.docs;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.ViewMigrator;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;

/** Runs the examples of docs/spring.md in one application. */
@SpringBootTest
@AutoConfigureMockMvc
class SpringDocsExamplesTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    StashSettings settings;

    @Autowired
    ViewMigrator counterMigrator;

    @Test
    void aStateClassArgumentIsRecoveredAndStashed() throws Exception {
        Cookie sid = mvc.perform(post("/prefs/theme").param("theme", "dark")).andExpect(content().string("dark"))
                .andReturn().getResponse().getCookie("sid");
        assertThat(sid).isNotNull();
        mvc.perform(post("/prefs/theme").param("theme", "dark").cookie(sid)).andExpect(content().string("dark"));
    }

    @Test
    void startOverResetsTheView() throws Exception {
        Cookie sid = mvc.perform(post("/wizard/next")).andReturn().getResponse().getCookie("sid");
        mvc.perform(post("/wizard/next").cookie(sid));
        mvc.perform(get("/wizard").cookie(sid)).andExpect(content().string("step 2"));
        mvc.perform(post("/start-over").cookie(sid));
        mvc.perform(get("/wizard").cookie(sid)).andExpect(content().string("step 0"));
    }

    @Test
    void switchingAccountsMovesTheStateToANewSid() throws Exception {
        Cookie sid = mvc.perform(post("/wizard/next")).andReturn().getResponse().getCookie("sid");
        Cookie rotated = mvc.perform(post("/switch-account").cookie(sid)).andReturn().getResponse().getCookie("sid");
        assertThat(rotated).isNotNull();
        assertThat(rotated.getValue()).isNotEqualTo(sid.getValue());
        mvc.perform(get("/wizard").cookie(rotated)).andExpect(content().string("step 1"));
        mvc.perform(get("/wizard").cookie(sid)).andExpect(content().string("step 0"));
    }

    @Test
    void theSidCookieCustomizerChangesTheCookie() throws Exception {
        String header = mvc.perform(post("/prefs/theme").param("theme", "dark")).andReturn().getResponse()
                .getHeader("Set-Cookie");
        assertThat(header).startsWith("sid=").contains("SameSite=Strict", "HttpOnly");
    }

    @Test
    void theCustomizerAndTheMigratorAreApplied() {
        assertThat(settings.maxWriteAttempts()).isEqualTo(5);
        assertThat(counterMigrator.view()).isEqualTo("CounterController");
        ObjectNode stored = JsonNodeFactory.instance.objectNode().put("clicks", 3);
        ObjectNode migrated = counterMigrator.migrate(1, stored);
        assertThat(migrated).isNotNull();
        assertThat(migrated.path("count").asInt()).isEqualTo(3);
        assertThat(migrated.has("clicks")).isFalse();
    }
}
