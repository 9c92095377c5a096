package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@link ViewBeans#isController}: asked for every view controller made (once per request or exchange),
 * so its answer is cached per class; these pin the answers the cache must give.
 */
class ViewBeansTests {

    @Controller
    static class PlainController {
    }

    @RestController
    static class ARestController {
    }

    @Component
    static class AComponent {
    }

    static class Unannotated {
    }

    @Test
    void aControllerAnnotatedDirectlyOrThroughAMetaAnnotationIsAController() {
        assertThat(ViewBeans.isController(PlainController.class)).isTrue();
        assertThat(ViewBeans.isController(ARestController.class)).isTrue();
    }

    @Test
    void aComponentOrAnUnannotatedClassIsNotAController() {
        assertThat(ViewBeans.isController(AComponent.class)).isFalse();
        assertThat(ViewBeans.isController(Unannotated.class)).isFalse();
    }

    @Test
    void theUserClassBehindACglibProxyCounts() {
        ProxyFactory factory = new ProxyFactory(new ARestController());
        factory.setProxyTargetClass(true);
        Class<?> proxyClass = factory.getProxy().getClass();
        assertThat(proxyClass).isNotEqualTo(ARestController.class);
        assertThat(ViewBeans.isController(proxyClass)).isTrue();
    }

    @Test
    void repeatedQuestionsGetTheSameAnswer() {
        for (int i = 0; i < 3; i++) {
            assertThat(ViewBeans.isController(ARestController.class)).isTrue();
            assertThat(ViewBeans.isController(Unannotated.class)).isFalse();
        }
    }
}
