package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Methods of {@link Future}, {@link CompletableFuture} and {@link ExecutorService} added
 * after Java 17, reached through method handles so that the wrappers delegate to them on
 * newer runtimes while compiling for Java 17.
 *
 * @since 0.1.0
 */
final class FutureMethods {

	static final MethodHandle FUTURE_RESULT_NOW = find(Future.class, "resultNow", Object.class);

	static final MethodHandle FUTURE_EXCEPTION_NOW = find(Future.class, "exceptionNow", Throwable.class);

	static final MethodHandle EXECUTOR_CLOSE = find(ExecutorService.class, "close", void.class);

	private FutureMethods() {
	}

	static Object invoke(MethodHandle handle, Object target) {
		if (handle == null) {
			throw new UnsupportedOperationException("Not available before Java 19");
		}
		try {
			return handle.invoke(target);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Find a {@link CompletableFuture} method to call as {@code super.name()} from a
	 * subclass.
	 * @param lookup the subclass's own lookup: calling a super method needs its private
	 * access
	 */
	static MethodHandle findSuper(MethodHandles.Lookup lookup, String name, Class<?> returnType) {
		return findSuper(lookup, CompletableFuture.class, name, returnType);
	}

	/**
	 * Find a method of a superclass to call as {@code super.name()} from a subclass.
	 * @param lookup the subclass's own lookup: calling a super method needs its private
	 * access
	 */
	static MethodHandle findSuper(MethodHandles.Lookup lookup, Class<?> superclass, String name, Class<?> returnType) {
		try {
			return lookup.findSpecial(superclass, name, MethodType.methodType(returnType), lookup.lookupClass());
		}
		catch (ReflectiveOperationException ex) {
			return null;
		}
	}

	private static MethodHandle find(Class<?> type, String name, Class<?> returnType) {
		try {
			return MethodHandles.publicLookup().findVirtual(type, name, MethodType.methodType(returnType));
		}
		catch (ReflectiveOperationException ex) {
			return null;
		}
	}

}
