/**
 * What the servlet ({@code web.servlet}) and reactive ({@code web.reactive}) integrations share and that
 * depends on neither: the startup scan for view classes no handler uses, and the reading of a request's
 * mount count ({@code X-Stash-Mounts} or {@code _mounts}) as the engine's mount kind. Support code of the
 * starter, not an API for applications: it may change in any release.
 */
@NullMarked
package dev.durablestash.spring.web;

import org.jspecify.annotations.NullMarked;
