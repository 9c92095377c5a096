package dev.durablestash.spring.web.reactive;

import dev.durablestash.core.Recovery;
import dev.durablestash.spring.ViewBinding;

import reactor.core.publisher.Mono;

/** The {@link ReactiveStash} of one bound view. */
record BindingStash(ViewBinding binding) implements ReactiveStash {

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
        return binding.target();
    }

    @Override
    public Mono<Void> stash() {
        return Mono.fromCompletionStage(binding::stashAsync);
    }

    @Override
    public Mono<Void> reset() {
        return Mono.fromCompletionStage(binding::resetAsync);
    }
}
