/**
 * The view machinery that the servlet ({@code web.servlet}) and reactive ({@code web.reactive})
 * integrations share and that depends on neither: which classes are views and their stored keys
 * ({@link dev.durablestash.spring.web.StashedViews} and the package-private {@code StashedViewType}),
 * one view instance bound to one request (the package-private {@code ViewBinding}: recover,
 * change detection through the engine's {@link dev.durablestash.core.ValueJson}, stash), the startup
 * scan for view classes no handler uses, and the reading of a request's mount count ({@code X-Stash-Mounts}
 * or {@code _mounts}) as the engine's mount kind ({@link dev.durablestash.spring.web.MountCount}), what the
 * browser sessions of both sid filters need ({@link dev.durablestash.spring.web.BrowserSessionSettings}), the
 * walk of the startup check both verifiers extend ({@link dev.durablestash.spring.web.AbstractStashedViewsVerifier})
 * and the views bound to one request or exchange ({@link dev.durablestash.spring.web.BoundViews}, the
 * shared binder: the integrations bind, recover and stash views only through it, holding each bound view by
 * its {@link dev.durablestash.spring.Stash} handle), and the views a handler method binds before its
 * body runs, which take their turns together ({@link dev.durablestash.spring.web.HandlerMethodViews}).
 * Public only because both integrations, in their own
 * packages, use it: support code of the starter, not an API for applications; it may change in any release
 * (the README's "Public API" lists what is API). The one exception is {@link dev.durablestash.spring.web.SidCookie},
 * the sid cookie's attributes both integrations write: a bean applications may customize or replace.
 */
@NullMarked
package dev.durablestash.spring.web;

import org.jspecify.annotations.NullMarked;
