/**
 * Spring Security integration: the sid is rotated at login and the browser session ended at logout.
 */
@NullMarked
package dev.durablestash.spring.security;

import org.jspecify.annotations.NullMarked;
