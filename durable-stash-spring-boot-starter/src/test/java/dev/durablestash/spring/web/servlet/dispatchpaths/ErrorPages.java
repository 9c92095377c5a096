package dev.durablestash.spring.web.servlet.dispatchpaths;

import org.springframework.boot.web.error.ErrorPage;
import org.springframework.boot.web.error.ErrorPageRegistrar;
import org.springframework.boot.web.error.ErrorPageRegistry;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * An error page of the application's own for {@link UnsupportedOperationException}, at {@code /oops}, whose
 * handler forwards to a page of its own.
 */
@Component
class ErrorPages implements ErrorPageRegistrar {

    @Override
    public void registerErrorPages(ErrorPageRegistry registry) {
        registry.addErrorPages(new ErrorPage(UnsupportedOperationException.class, "/oops"));
    }

    @Controller
    static class OopsController {

        @RequestMapping("/oops")
        String oops() {
            return "forward:/oops/page";
        }

        @RequestMapping("/oops/page")
        @ResponseBody
        String page(Notes notes) {
            return "fallback " + notes.notes;
        }

        /** Throws after changing the view; the error page above renders. */
        @PostMapping("/notes/unsupported")
        String unsupported(Notes notes) {
            notes.notes.add("unsupported");
            throw new UnsupportedOperationException("unsupported");
        }
    }
}
