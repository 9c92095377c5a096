package com.example.docs;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application around the examples of docs/spring.md, which its tests start. */
@SpringBootApplication
public class DocsApplication {
}
