package dev.durablestash.spring.web.reactive;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import dev.durablestash.core.Recovery;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link ReactiveStash} of one bound view. A failed stash or reset is recorded on the exchange's
 * views, so that the exchange answers the failure status even if the handler catches the error or an
 * {@code @ExceptionHandler} answers it.
 */
record BindingStash(Stash binding, ExchangeViews views) implements ReactiveStash {

    @Override
    public Recovery recovery() {
        return binding.recovery();
    }

    @Override
    public String view() {
        return binding.view();
    }

    @Override
    public Object target() {
        return BoundViews.target(binding);
    }

    @Override
    public Mono<Void> stash() {
        return write(views.followPrincipal(), BoundViews::stashAsync);
    }

    @Override
    public Mono<Void> reset() {
        return write(views.followPrincipalBeforeWrite(), BoundViews::resetAsync); // a reset writes, changes or not
    }

    /** Runs a stash or reset of the binding once the principal is followed; failures are recorded on the exchange. */
    private Mono<Void> write(Mono<Void> followPrincipal, Function<Stash, CompletionStage<Void>> write) {
        return followPrincipal.then(Mono.fromCompletionStage(() -> write.apply(binding)))
                .doOnError(views::stashFailed)
                .publishOn(Schedulers.parallel()); // the application's code goes on off the storage's threads
    }
}
