package dev.durablestash.storage;

/** The results that carry nothing but their kind: one shared instance each. */
final class Singletons {
    static final GetResult NOT_FOUND = new GetResult.NotFound();
    static final GetResult NOT_MODIFIED = new GetResult.NotModified();
    static final PutResult PRECONDITION_FAILED = new PutResult.PreconditionFailed();

    private Singletons() {
    }
}
