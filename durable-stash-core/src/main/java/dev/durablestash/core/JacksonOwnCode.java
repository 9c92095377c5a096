package dev.durablestash.core;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.SerializableString;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.base.DecorableTSFactory;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.core.util.JsonParserDelegate;
import tools.jackson.databind.AnnotationIntrospector;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether a mapper writes or reads a value with Jackson's own code alone, so that code of ours may
 * stand in for it ({@link ScalarValues}, {@link ScalarTrees}): nothing of the application's (a
 * serializer or deserializer from a module, Spring Boot's {@code @JacksonComponent}s too, a
 * deserializer or serializer modifier, an annotation introspector's choice, a converter, a
 * decorator of the mapper's generators or streams) takes part. Probes alone cannot tell: a
 * serializer may change only some values. So the mapper writes (or reads) a probe through a
 * generator (or parser) of its own that this class watches: on each call the code that made it must
 * be Jackson's or the JDK's, all the way up to this class, and not one of Jackson's wrappers that
 * run a converter (which returns before the generator is called, or runs after the parser was). The
 * mapper's annotation introspectors must be Jackson's, and no mix-in may annotate the value's class
 * or a supertype of it. A call of the application's code that reaches neither generator nor parser
 * (it writes nothing, or only through methods not watched here) leaves nothing watched: that counts
 * as not Jackson's own too. Checked once per mapper; stateless.
 */
final class JacksonOwnCode {

    private static final List<String> OWN_PACKAGES = List.of("tools.jackson.", "java.", "jdk.");
    /**
     * Jackson's classes that hand a value to code that has returned by the time the generator or
     * parser is called (a converter runs before the serializer it wraps writes, or after the
     * deserializer it wraps read): on the stack they stand for that code.
     */
    private static final List<String> CONVERTING = List.of("tools.jackson.databind.ser.std.StdDelegatingSerializer",
            "tools.jackson.databind.ser.std.StdConvertingSerializer", "tools.jackson.databind.deser.std.StdConvertingDeserializer",
            "tools.jackson.databind.ser.std.DelegatingSerializer", "tools.jackson.databind.deser.std.DelegatingDeserializer");

    private JacksonOwnCode() {
    }

    /** @return whether {@code mapper} writes {@code probe} with Jackson's own code alone */
    static boolean writes(JsonMapper mapper, Object probe) {
        if (decorated(mapper.tokenStreamFactory()) || !jacksons(mapper.serializationConfig().getAnnotationIntrospector())
                || mixedIn(mapper.serializationConfig(), probe.getClass())) {
            return false;
        }
        JsonGenerator generator = mapper.createGenerator(new ByteArrayOutputStream());
        if (!jacksons(generator.getClass()) || generator instanceof JsonGeneratorDelegate) {
            return false; // a delegate of Jackson's may wrap anything
        }
        Watch watch = new Watch();
        try (JsonGenerator watched = new WatchedGenerator(generator, watch)) {
            mapper.writeValue(watched, probe);
        }
        return watch.clean();
    }

    /** @return whether {@code mapper} reads {@code json} as {@code type} with Jackson's own code alone */
    static boolean reads(JsonMapper mapper, byte[] json, Type type) {
        if (decorated(mapper.tokenStreamFactory()) || !jacksons(mapper.deserializationConfig().getAnnotationIntrospector())
                || (type instanceof Class<?> c && mixedIn(mapper.deserializationConfig(), c))) {
            return false;
        }
        JsonParser parser = mapper.createParser(json);
        if (!jacksons(parser.getClass()) || parser instanceof JsonParserDelegate) {
            return false; // a delegate of Jackson's may wrap anything
        }
        Watch watch = new Watch();
        try (JsonParser watched = new WatchedParser(parser, watch)) {
            mapper.readerFor(mapper.constructType(type)).readValue(watched);
        }
        return watch.clean();
    }

    private static boolean decorated(TokenStreamFactory factory) {
        if (!jacksons(factory.getClass()) || !(factory instanceof DecorableTSFactory decorable)) {
            return true; // a factory of another kind, or an application's subclass: its generators and parsers may be anything
        }
        List<?> generatorDecorators = decorable.getGeneratorDecorators();
        return decorable.getInputDecorator() != null || decorable.getOutputDecorator() != null
                || (generatorDecorators != null && !generatorDecorators.isEmpty());
    }

    private static boolean jacksons(Class<?> type) {
        return type.getName().startsWith("tools.jackson.");
    }

    /** @return whether the introspector (every one of a pair) is Jackson's: another may choose serializers or converters */
    private static boolean jacksons(@Nullable AnnotationIntrospector introspector) {
        if (introspector == null) {
            return true;
        }
        for (AnnotationIntrospector each : introspector.allIntrospectors()) {
            if (!jacksons(each.getClass())) {
                return false;
            }
        }
        return true;
    }

    /** @return whether a mix-in annotates {@code type} or one of its supertypes (a converter would not be on the stack) */
    private static boolean mixedIn(MapperConfig<?> config, Class<?> type) {
        Deque<Class<?>> types = new ArrayDeque<>(List.of(type));
        while (!types.isEmpty()) {
            Class<?> each = types.pop();
            if (config.findMixInClassFor(each) != null) {
                return true;
            }
            if (each.getSuperclass() != null) {
                types.push(each.getSuperclass());
            }
            types.addAll(List.of(each.getInterfaces()));
        }
        return false;
    }

    /** The calls seen: whether there was one, and whether each came from Jackson's or the JDK's code. */
    private static final class Watch {

        private boolean seen;
        private boolean foreign;

        /** Called by a watched method: looks at the code that called it, up to {@link JacksonOwnCode}. */
        void call() {
            seen = true;
            boolean foreignCaller = StackWalker.getInstance().walk(frames -> frames
                    .map(StackWalker.StackFrame::getClassName)
                    .dropWhile(name -> name.startsWith(JacksonOwnCode.class.getName() + "$"))
                    .takeWhile(name -> !name.equals(JacksonOwnCode.class.getName()))
                    .anyMatch(name -> OWN_PACKAGES.stream().noneMatch(name::startsWith) || CONVERTING.contains(name)));
            foreign |= foreignCaller;
        }

        boolean clean() {
            return seen && !foreign;
        }
    }

    /** A generator whose value writes are watched. */
    private static final class WatchedGenerator extends JsonGeneratorDelegate {

        private final Watch watch;

        WatchedGenerator(JsonGenerator generator, Watch watch) {
            super(generator, false);
            this.watch = watch;
        }

        private <T> T watched(Supplier<T> call) {
            watch.call();
            return call.get();
        }

        @Override
        public JsonGenerator writeString(String text) {
            return watched(() -> super.writeString(text));
        }

        @Override
        public JsonGenerator writeString(char[] text, int offset, int len) {
            return watched(() -> super.writeString(text, offset, len));
        }

        @Override
        public JsonGenerator writeString(SerializableString text) {
            return watched(() -> super.writeString(text));
        }

        @Override
        public JsonGenerator writeNumber(short v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(int v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(long v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(String encodedValue) {
            return watched(() -> super.writeNumber(encodedValue));
        }

        @Override
        public JsonGenerator writeBoolean(boolean state) {
            return watched(() -> super.writeBoolean(state));
        }

        @Override
        public JsonGenerator writeNull() {
            return watched(super::writeNull);
        }

        @Override
        public JsonGenerator writeRawValue(String text) {
            return watched(() -> super.writeRawValue(text));
        }

        @Override
        public JsonGenerator writeNumber(java.math.BigInteger v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(double v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(float v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(java.math.BigDecimal v) {
            return watched(() -> super.writeNumber(v));
        }

        @Override
        public JsonGenerator writeNumber(char[] encodedValue, int offset, int len) {
            return watched(() -> super.writeNumber(encodedValue, offset, len));
        }

        @Override
        public JsonGenerator writeRawValue(String text, int offset, int len) {
            return watched(() -> super.writeRawValue(text, offset, len));
        }

        @Override
        public JsonGenerator writeRawValue(char[] text, int offset, int len) {
            return watched(() -> super.writeRawValue(text, offset, len));
        }

        @Override
        public JsonGenerator writeRaw(String text) {
            return watched(() -> super.writeRaw(text));
        }

        @Override
        public JsonGenerator writeRaw(char c) {
            return watched(() -> super.writeRaw(c));
        }

        @Override
        public JsonGenerator writeUTF8String(byte[] text, int offset, int length) {
            return watched(() -> super.writeUTF8String(text, offset, length));
        }

        @Override
        public JsonGenerator writeRawUTF8String(byte[] text, int offset, int length) {
            return watched(() -> super.writeRawUTF8String(text, offset, length));
        }

        @Override
        public JsonGenerator writeStartObject() {
            return watched(super::writeStartObject);
        }

        @Override
        public JsonGenerator writeStartObject(Object forValue) {
            return watched(() -> super.writeStartObject(forValue));
        }

        @Override
        public JsonGenerator writeStartArray() {
            return watched(super::writeStartArray);
        }

        @Override
        public JsonGenerator writeStartArray(Object forValue) {
            return watched(() -> super.writeStartArray(forValue));
        }

        @Override
        public JsonGenerator writeBinary(tools.jackson.core.Base64Variant variant, byte[] data, int offset, int len) {
            return watched(() -> super.writeBinary(variant, data, offset, len));
        }

        @Override
        public JsonGenerator writePOJO(Object pojo) {
            return watched(() -> super.writePOJO(pojo));
        }

        @Override
        public JsonGenerator writeTree(tools.jackson.core.TreeNode tree) {
            return watched(() -> super.writeTree(tree));
        }

        @Override
        public JsonGenerator writeEmbeddedObject(Object object) {
            return watched(() -> super.writeEmbeddedObject(object));
        }
    }

    /** A parser whose token and value reads are watched. */
    private static final class WatchedParser extends JsonParserDelegate {

        private final Watch watch;

        WatchedParser(JsonParser parser, Watch watch) {
            super(parser);
            this.watch = watch;
        }

        private <T> T watched(Supplier<T> call) {
            watch.call();
            return call.get();
        }

        @Override
        public JsonToken currentToken() {
            return watched(super::currentToken);
        }

        @Override
        public int currentTokenId() {
            return watched(super::currentTokenId);
        }

        @Override
        public boolean hasToken(JsonToken token) {
            return watched(() -> super.hasToken(token));
        }

        @Override
        public boolean isExpectedNumberIntToken() {
            return watched(super::isExpectedNumberIntToken);
        }

        @Override
        public String getString() {
            return watched(super::getString);
        }

        @Override
        public String getValueAsString() {
            return watched(() -> super.getValueAsString());
        }

        @Override
        public int getIntValue() {
            return watched(super::getIntValue);
        }

        @Override
        public long getLongValue() {
            return watched(super::getLongValue);
        }

        @Override
        public Number getNumberValue() {
            return watched(super::getNumberValue);
        }

        @Override
        public NumberType getNumberType() {
            return watched(super::getNumberType);
        }

        @Override
        public boolean getBooleanValue() {
            return watched(super::getBooleanValue);
        }

        @Override
        public int getValueAsInt() {
            return watched(() -> super.getValueAsInt());
        }

        @Override
        public long getValueAsLong() {
            return watched(() -> super.getValueAsLong());
        }

        @Override
        public boolean getValueAsBoolean() {
            return watched(() -> super.getValueAsBoolean());
        }

        @Override
        public JsonToken nextToken() {
            return watched(super::nextToken);
        }

        @Override
        public JsonToken nextValue() {
            return watched(super::nextValue);
        }

        @Override
        public char[] getStringCharacters() {
            return watched(super::getStringCharacters);
        }

        @Override
        public int getStringLength() {
            return watched(super::getStringLength);
        }

        @Override
        public int getStringOffset() {
            return watched(super::getStringOffset);
        }

        @Override
        public int getString(java.io.Writer writer) {
            return watched(() -> super.getString(writer));
        }

        @Override
        public String getValueAsString(String defaultValue) {
            return watched(() -> super.getValueAsString(defaultValue));
        }

        @Override
        public short getShortValue() {
            return watched(super::getShortValue);
        }

        @Override
        public byte getByteValue() {
            return watched(super::getByteValue);
        }

        @Override
        public float getFloatValue() {
            return watched(super::getFloatValue);
        }

        @Override
        public double getDoubleValue() {
            return watched(super::getDoubleValue);
        }

        @Override
        public java.math.BigInteger getBigIntegerValue() {
            return watched(super::getBigIntegerValue);
        }

        @Override
        public java.math.BigDecimal getDecimalValue() {
            return watched(super::getDecimalValue);
        }

        @Override
        public Number getNumberValueExact() {
            return watched(super::getNumberValueExact);
        }

        @Override
        public double getValueAsDouble() {
            return watched(() -> super.getValueAsDouble());
        }

        @Override
        public Object getEmbeddedObject() {
            return watched(super::getEmbeddedObject);
        }

        @Override
        public byte[] getBinaryValue(tools.jackson.core.Base64Variant variant) {
            return watched(() -> super.getBinaryValue(variant));
        }

        @Override
        public JsonParser skipChildren() {
            return watched(super::skipChildren);
        }
    }
}
