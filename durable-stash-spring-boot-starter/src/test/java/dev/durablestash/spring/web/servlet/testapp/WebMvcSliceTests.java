package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.util.FileSystemUtils;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A {@code @WebMvcTest} slice gets the starter's engine and servlet integration (the starter lists
 * them for the slice) and, with no storage configured, the test backend's in-memory storage (the test
 * backend lists its auto-configuration for the slice too): the controller behaves as in the app.
 */
@WebMvcTest(CounterController.class)
class WebMvcSliceTests {

    private static final Path UNUSED_DIRECTORY = createTempDirectory();

    @Autowired
    MockMvc mvc;

    @Autowired
    StorageBackend storage;

    @Autowired
    StashAdapter adapter;

    @Autowired
    SidFilter sidFilter;

    @DynamicPropertySource
    static void filesystemDirectory(DynamicPropertyRegistry registry) {
        registry.add("durable-stash.storage.filesystem.directory", () -> UNUSED_DIRECTORY.resolve("store").toString());
    }

    @AfterAll
    static void deleteDirectory() throws IOException {
        FileSystemUtils.deleteRecursively(UNUSED_DIRECTORY);
    }

    @Test
    void theSliceIssuesTheSidCookieRecoversAndStashesIntoTheInMemoryBackend() throws Exception {
        assertThat(storage).isInstanceOf(InMemoryStorageBackend.class);
        InMemoryStorageBackend memory = (InMemoryStorageBackend) storage;
        int documentsBefore = memory.size();

        MvcResult first = mvc.perform(get("/counter")).andExpect(status().isOk())
                .andExpect(content().string("count=0;username=null;draft=null")).andReturn();
        Cookie sid = first.getResponse().getCookie("sid");
        assertThat(sid).isNotNull();
        assertThat(sid.getValue()).as("the sid and its tag").matches("[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}");
        assertThat(sid.isHttpOnly()).isTrue();

        mvc.perform(post("/counter/increment").cookie(sid)).andExpect(status().is3xxRedirection());
        mvc.perform(post("/counter/increment").cookie(sid)).andExpect(status().is3xxRedirection());
        mvc.perform(get("/counter").cookie(sid)).andExpect(content().string("count=2;username=null;draft=null"));
        assertThat(memory.size()).as("one stored session document").isEqualTo(documentsBefore + 1);

        mvc.perform(get("/counter")).andExpect(content().string("count=0;username=null;draft=null"));
        assertThat(UNUSED_DIRECTORY.resolve("store")).as("no filesystem store, no secret file").doesNotExist();
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("durable-stash-slice");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
