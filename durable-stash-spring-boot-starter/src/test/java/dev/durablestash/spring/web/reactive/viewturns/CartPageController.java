package dev.durablestash.spring.web.reactive.viewturns;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** A page whose two {@code @ModelAttribute} methods take the same (atomic) view; the handler takes none itself. */
@RestController
public class CartPageController {

    /** An atomic view. */
    public static class Cart {

        @Stashed
        int count;
    }

    @ModelAttribute("header")
    String header(Cart cart) {
        return cart.count + "@" + System.identityHashCode(cart);
    }

    @ModelAttribute("sidebar")
    String sidebar(Cart cart) {
        return cart.count + "@" + System.identityHashCode(cart);
    }

    @GetMapping("/m/page")
    String page(Model model) {
        String header = (String) model.getAttribute("header");
        String sidebar = (String) model.getAttribute("sidebar");
        boolean same = header.substring(header.indexOf('@')).equals(sidebar.substring(sidebar.indexOf('@')));
        return "same=" + same + ";counts=" + header.substring(0, header.indexOf('@')) + ","
                + sidebar.substring(0, sidebar.indexOf('@'));
    }
}
