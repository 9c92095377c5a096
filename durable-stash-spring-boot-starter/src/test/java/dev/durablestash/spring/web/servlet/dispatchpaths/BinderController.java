package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.View;

/**
 * A handler whose {@code @InitBinder} method takes {@link Notes} and counts its calls: two
 * {@code @RequestParam} conversions, a {@code @ModelAttribute} bind and the model's preparation for the
 * view each make a binder.
 */
@Controller
class BinderController {

    @InitBinder
    void init(WebDataBinder binder, Notes notes, HttpServletRequest request) {
        notes.binderCalls++;
        DispatchPathsApplication.SEEN.add("binder " + binder.getObjectName() + " " + System.identityHashCode(notes)
                + " " + notes.binderCalls);
    }

    @PostMapping("/binder")
    ModelAndView bind(@RequestParam int a, @RequestParam int b, @ModelAttribute("form") Form form, Notes notes) {
        View view = (model, request, response) -> response.getWriter().write(
                "a+b=" + (a + b) + " text=" + ((Form) model.get("form")).getText() + " calls=" + notes.binderCalls);
        return new ModelAndView(view, Map.of("form", form, "extra", new Form())); // "extra" is bound after
    }

    public static class Form {
        private String text;

        public String getText() {
            return text;
        }

        public void setText(String text) {
            this.text = text;
        }
    }
}
