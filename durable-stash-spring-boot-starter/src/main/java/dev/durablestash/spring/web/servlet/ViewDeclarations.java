package dev.durablestash.spring.web.servlet;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;

import dev.durablestash.spring.web.ViewBeans;
import dev.durablestash.spring.web.ViewFields;

/**
 * The startup failures for view classes (classes with {@code @Stashed} fields) declared in a way
 * that would share their fields between browsers or never store them. Every message names the
 * class and its {@code @Stashed} fields, and says what to do instead.
 */
final class ViewDeclarations {

    /** What to do instead of injecting a view controller into another bean, however it was injected. */
    private static final String DO_NOT_INJECT = "Do not inject a view controller into another bean, nor look it up "
            + "(ObjectProvider, getBean): to share a browser's state between controllers, keep it in a class with "
            + "@Stashed fields (or annotated @StashedView) that each handler takes as a handler-method argument, and "
            + "move anything else the other bean needs into a bean without @Stashed fields, used from both.";

    /** Why only the handler's instance of a view controller works. */
    private static final String ONLY_THE_HANDLER = "Only Spring MVC makes a view controller, as the handler of a "
            + "request, and only that instance is recovered before the handler runs and stashed after it: any other "
            + "instance's fields are never recovered, and its changes are never stored.";

    /** Why nothing of the starter works in a message handler, for the WebSocket failures. */
    private static final String OUTSIDE_REQUESTS = "Message handlers run outside any HTTP request, and the starter "
            + "recovers and stashes views only in HTTP requests";

    /** What to do instead, for the WebSocket failures. */
    static final String KEEP_STATE_IN_PAGE_REQUESTS = "Keep the browser session's state in views of the "
            + "page's HTTP requests; WebSocket code that needs it can take the sid in a HandshakeInterceptor (the "
            + "upgrade request's BrowserSession.sid()) and recover and stash a view of its own with the StashAdapter.";

    private ViewDeclarations() {
    }

    /** @return whether the (user) class is a Spring MVC controller (cached per class) */
    static boolean isController(Class<?> type) {
        return ViewBeans.isController(type);
    }

    /** @return "@Stashed field(s) a.B.x, a.B.y" or, for an annotation-only view, "@StashedView" */
    static String fields(Class<?> type) {
        return ViewFields.describe(type);
    }

    static IllegalStateException notAController(Class<?> type, String beanName) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        if (ClassUtils.isPresent(WebSocketHandlerTypes.HANDLER_CLASS, ViewDeclarations.class.getClassLoader())
                && WebSocketHandlerTypes.isHandler(userClass)) {
            return ViewBeans.webSocketHandlerWithStashedFields(userClass, "bean '" + beanName + "'", null,
                    KEEP_STATE_IN_PAGE_REQUESTS);
        }
        return new IllegalStateException("Bean '" + beanName + "' of class " + userClass.getName() + " has "
                + fields(userClass) + ", but it is not a @Controller: as a bean its fields would be shared by every "
                + "browser and never stored. @Stashed fields work on controllers (every request gets its own "
                + "instance) and on classes taken as handler-method arguments (a new instance per request, not a "
                + "bean): move the fields to a controller, or take the class as a handler-method argument and do "
                + "not declare it as a bean.");
    }

    static IllegalStateException wrongScope(Class<?> type, String beanName, String scope) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + fields(userClass) + " but is declared with scope '" + scope + "': a controller with @Stashed "
                + "fields needs request scope, so that no two requests share its fields. Remove its @Scope (the "
                + "starter then gives it request scope) or use @RequestScope.");
    }

    static IllegalStateException outsideRequest(Class<?> type, String beanName) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + fields(userClass) + " and has request scope, but it is asked for outside a request: injected "
                + "into a singleton (which would hold one instance, shared by every browser, whose fields are never "
                + "recovered or stashed) or looked up at startup. " + DO_NOT_INJECT);
    }

    /**
     * @param type the view controller's class
     * @param beanName its bean name, or that of its scoped proxy when that is what was injected
     * @param holderType the class of the bean it was injected into
     * @param holder that bean's name
     * @param holderScope that bean's scope; {@code null} or empty for a singleton
     * @param throughProxy whether the scoped proxy was injected, not the controller itself
     * @return the failure for a view controller injected into another bean, whatever its scope
     */
    static IllegalStateException injectedInto(Class<?> type, String beanName, Class<?> holderType, String holder,
            @Nullable String holderScope, boolean throughProxy) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        String into = ViewBeans.isSingleton(holderScope) ? "the singleton '" + holder + "'"
                : "bean '" + holder + "' (scope '" + holderScope + "')";
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + fields(userClass) + " and is injected" + (throughProxy ? ", through its scoped proxy," : "")
                + " into " + into + " of class " + ClassUtils.getUserClass(holderType).getName() + ". "
                + ONLY_THE_HANDLER + (throughProxy ? " Through the proxy, that bean reaches the controller instance of "
                        + "whichever request is current: in a request that no handler of the controller handles, a "
                        + "new one, never recovered nor stored." : "") + " " + DO_NOT_INJECT);
    }

    /**
     * @param handler the handler Spring MVC chose for the request, e.g. a {@code HandlerMethod}
     * @return the failure for a view controller asked for in a request that another handler handles
     */
    static IllegalStateException notTheHandler(Class<?> type, String beanName, Object handler) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        String handlerClass = handler instanceof HandlerMethod method
                ? ClassUtils.getUserClass(method.getBeanType()).getName() : handler.getClass().getName();
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + fields(userClass) + ", but it is asked for in a request whose handler is " + handler + " (class "
                + handlerClass + "): injected into a bean made in this request, or looked up through an "
                + "ObjectProvider or getBean. " + ONLY_THE_HANDLER + " " + DO_NOT_INJECT);
    }

    static IllegalStateException injectedThroughProxy(Class<?> type, String beanName, String singleton) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + fields(userClass) + " and is injected, through its scoped proxy, into the singleton '" + singleton
                + "'. Through the proxy, that bean reaches the controller instance of whichever request is current: "
                + "in a request that no handler of the controller handles, a new one whose fields were never "
                + "recovered and whose changes are never stored. " + DO_NOT_INJECT);
    }

    static IllegalStateException sentAsError(Class<?> view, String handler, String reason) {
        Class<?> userClass = ClassUtils.getUserClass(view);
        return new IllegalStateException("Handler " + handler + " binds the view " + userClass.getName() + " ("
                + fields(userClass) + ") and is annotated @ResponseStatus(reason = \"" + reason + "\"). Spring MVC "
                + "answers such a handler with HttpServletResponse.sendError as soon as it returns, which commits the "
                + "response before the view's changes can be stashed, so they would never be stored. Keep "
                + "@ResponseStatus with its code only, or return a ResponseEntity with the status and body you want.");
    }

    /** @param handler the message-handling method, "a.b.Controller#method" */
    static IllegalStateException handlesMessages(Class<?> controller, String handler) {
        Class<?> userClass = ClassUtils.getUserClass(controller);
        return new IllegalStateException("Controller " + userClass.getName() + " has " + fields(userClass)
                + " and the message-handling method " + handler + " (@MessageMapping or @SubscribeMapping). "
                + "Message handlers run outside any HTTP request, where a controller with @Stashed fields (request "
                + "scope) cannot be created: every message to it would fail, and nothing would recover or stash its "
                + "fields. Move the message-handling methods to a controller without @Stashed fields. "
                + KEEP_STATE_IN_PAGE_REQUESTS);
    }

    /**
     * @param type the parameter's type, as declared
     * @param view the view class it is or takes inside it
     * @param handler the message-handling method, "a.b.Controller#method"
     */
    static IllegalStateException viewOfMessageHandler(int index, String type, Class<?> view, String handler) {
        Class<?> userClass = ClassUtils.getUserClass(view);
        return new IllegalStateException("Parameter " + index + " (" + type + ") of message handler " + handler
                + " takes the view class " + userClass.getName() + ", with " + fields(userClass) + ". "
                + OUTSIDE_REQUESTS + ": this instance would be made from the message's payload, so its fields would be "
                + "neither recovered nor stored (and the sender of the message would choose their values). Take a "
                + "class without @Stashed fields for the payload. " + KEEP_STATE_IN_PAGE_REQUESTS);
    }

    /**
     * @param type {@code Stash} or {@code BrowserSession}
     * @param handler the message-handling method, "a.b.Controller#method"
     */
    static IllegalStateException requestHandleOfMessageHandler(int index, Class<?> type, String handler) {
        return new IllegalStateException("Parameter " + index + " (" + type.getName() + ") of message handler "
                + handler + ": a " + type.getSimpleName() + " belongs to an HTTP request. " + OUTSIDE_REQUESTS
                + ": Spring would try to make the " + type.getSimpleName() + " from the message's payload, and "
                + "fail at every message. Remove the parameter. " + KEEP_STATE_IN_PAGE_REQUESTS);
    }

    /**
     * @param how why the bean has no request scope, e.g. "a singleton" or "registered as an instance"
     */
    static IllegalStateException notRequestScoped(Class<?> type, String beanName, String how) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("Bean '" + beanName + "' of class " + userClass.getName() + " has "
                + fields(userClass) + " but is " + how + ", so one instance would be shared by every browser. The "
                + "starter gives request scope to controllers whose class their bean definition shows (component "
                + "scanning, or a @Bean method declared to return the controller's class). Declare the @Bean "
                + "method's return type as " + userClass.getName() + ", or annotate the bean with @RequestScope.");
    }
}
