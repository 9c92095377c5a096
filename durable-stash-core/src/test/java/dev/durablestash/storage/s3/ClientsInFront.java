package dev.durablestash.storage.s3;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Clients in front of another (the tests' S3 server's), which answer some calls themselves: a fault, a
 * store's quirk, a request held back. Every other call goes to the client behind.
 */
final class ClientsInFront {

    /** An {@link Answer}'s answer for "as the client behind answers". */
    static final Object FORWARD = new Object();

    private ClientsInFront() {
    }

    /** How the client in front answers one call of a method of {@link S3AsyncClient}. */
    @FunctionalInterface
    interface Answer {
        /**
         * @param proxy the client in front (for {@link InvocationHandler#invokeDefault}: a default method,
         *     such as the one taking a request builder's consumer, builds the request and calls the client
         *     in front again)
         * @return the answer ({@code null} too), or {@link #FORWARD}; throws to throw at once
         */
        @Nullable Object answer(Object proxy, Method method, @Nullable Object[] args) throws Throwable;
    }

    /** @return a client that answers each call as {@code answer} says, forwarding to {@code behind} */
    static S3AsyncClient inFrontOf(S3AsyncClient behind, Answer answer) {
        InvocationHandler handler = (proxy, method, args) -> {
            Object answered = answer.answer(proxy, method, args);
            return answered != FORWARD ? answered : forward(behind, method, args);
        };
        return (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                new Class<?>[] {S3AsyncClient.class}, handler);
    }

    /** @return what {@code behind} answers to the call; what it throws at once is thrown as it threw it */
    static @Nullable Object forward(S3AsyncClient behind, Method method, @Nullable Object[] args) throws Throwable {
        try {
            return method.invoke(behind, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
