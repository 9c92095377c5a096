package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A small Spring MVC app for the integration tests: memory storage, the controllers in this package. */
@SpringBootApplication
public class MvcTestApplication {
}
