/** Test support shared by the tests of every module. */
@NullMarked
package dev.durablestash.testsupport;

import org.jspecify.annotations.NullMarked;
