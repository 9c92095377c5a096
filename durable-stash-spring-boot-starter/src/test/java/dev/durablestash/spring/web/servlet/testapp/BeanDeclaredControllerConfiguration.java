package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.web.servlet.declared.BeanDeclaredController;

/** Declares a @StashedView controller with a @Bean method instead of component scanning. */
@Configuration(proxyBeanMethods = false)
class BeanDeclaredControllerConfiguration {

    @Bean
    BeanDeclaredController beanDeclaredController() {
        return new BeanDeclaredController();
    }
}
