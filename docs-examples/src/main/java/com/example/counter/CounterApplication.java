package com.example.counter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application around the README's controller, which its tests start. */
@SpringBootApplication
public class CounterApplication {

  public static void main(String[] args) {
    SpringApplication.run(CounterApplication.class, args);
  }
}
