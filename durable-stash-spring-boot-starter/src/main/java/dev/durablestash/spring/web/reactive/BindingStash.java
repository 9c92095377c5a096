package dev.durablestash.spring.web.reactive;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

    /** Stashes the binding once the principal is followed (when there is something to write). */
    @Override
    public Mono<Void> stash() {
        return views.followPrincipal().then(Mono.fromCompletionStage(() -> BoundViews.stashAsync(binding)))
                .transform(this::recorded);
    }

    /**
     * Puts the fields back at once, on subscription, and sends the reset once the principal is followed
     * (always: a reset writes, changes or not): values set meanwhile are kept.
     */
    @Override
    public Mono<Void> reset() {
        return Mono.deferContextual(context -> {
            CompletableFuture<Void> followed = new CompletableFuture<>();
            // Recorded (and the fields restored) before the follow starts: an exchange that ends meanwhile follows it.
            CompletionStage<Void> reset = BoundViews.resetAsync(binding, followed);
            views.followPrincipalBeforeWrite().contextWrite(context)
                    .subscribe(null, followed::completeExceptionally, () -> followed.complete(null));
            return Mono.fromCompletionStage(reset);
        }).transform(this::recorded);
    }

    /** A write whose failure is recorded on the exchange, whose caller goes on off the storage's threads. */
    private Mono<Void> recorded(Mono<Void> write) {
        return write.doOnError(views::stashFailed).publishOn(Schedulers.parallel());
    }
}
