package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.View;
import org.springframework.web.servlet.ViewResolver;
import org.springframework.web.servlet.support.RequestContextUtils;
import org.springframework.web.servlet.view.InternalResourceView;

/**
 * Tells whether a view name renders by a servlet forward: whether the application's view resolvers
 * turn it into an {@link InternalResourceView}, as Spring Boot's default
 * {@code InternalResourceViewResolver} does with every name when the application has no template
 * engine. The name is resolved as Spring MVC's {@code DispatcherServlet} resolves it before it renders
 * the view: by the application context's {@link ViewResolver} beans in their order (the
 * {@code DispatcherServlet}'s default), for the request's locale. View resolvers cache what they
 * resolve, so resolving a name twice costs little.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class ForwardingViewNames {

    /** The view resolvers of the last application context asked for. */
    private volatile @Nullable Resolvers resolvers;

    private record Resolvers(ApplicationContext context, List<ViewResolver> inOrder) {
    }

    /**
     * @param viewName a view name, neither {@code forward:} nor {@code redirect:}
     * @param request the request whose view it is, on a thread of its dispatch
     * @return whether the view will forward the request; {@code true} also when that cannot be told (no
     *     application context, a resolver that throws, a name nothing resolves): the turns are then held
     *     until the request ends, longer than needed, never shorter
     */
    boolean forwards(String viewName, HttpServletRequest request) {
        WebApplicationContext context = RequestContextUtils.findWebApplicationContext(request);
        if (context == null) {
            return true;
        }
        List<ViewResolver> inOrder = resolversOf(context);
        if (inOrder.isEmpty()) {
            return true; // the DispatcherServlet's default strategy: an InternalResourceViewResolver
        }
        Locale locale = RequestContextUtils.getLocale(request);
        try {
            for (ViewResolver resolver : inOrder) {
                View view = resolver.resolveViewName(viewName, locale);
                if (view != null) {
                    return view instanceof InternalResourceView;
                }
            }
        } catch (Exception e) {
            return true; // rendering is likely to fail as well; the end of the request hands the turns on
        }
        return true;
    }

    private List<ViewResolver> resolversOf(ApplicationContext context) {
        Resolvers known = resolvers;
        if (known != null && known.context() == context) {
            return known.inOrder();
        }
        List<ViewResolver> inOrder = new ArrayList<>(
                BeanFactoryUtils.beansOfTypeIncludingAncestors(context, ViewResolver.class, true, false).values());
        AnnotationAwareOrderComparator.sort(inOrder);
        resolvers = new Resolvers(context, List.copyOf(inOrder));
        return inOrder;
    }
}
