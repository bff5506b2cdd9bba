package io.github.leakedtasks.agent;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * One method or constructor of a JDK type that gets advice, named so that its absence can
 * be checked before the advice is installed and reported.
 *
 * @param type the instrumented type
 * @param name the method's name, or {@code <init>} for a constructor
 * @param parameters the parameter types, by name
 * @param advice the advice class
 * @param optional whether the method may be missing without a problem to report: it is
 * missing on some supported JDKs ({@code resultNow} came in 19), or it only spares work
 * that is done otherwise without it (the JDK's own methods that make futures, which the
 * stack tells too)
 * @since 0.1.0
 */
record HookPoint(Class<?> type, String name, String[] parameters, Class<?> advice, boolean optional) {

	static final String CONSTRUCTOR = "<init>";

	static HookPoint of(Class<?> type, String name, Class<?> advice, String... parameters) {
		return new HookPoint(type, name, parameters, advice, false);
	}

	static HookPoint optional(Class<?> type, String name, Class<?> advice, String... parameters) {
		return new HookPoint(type, name, parameters, advice, true);
	}

	/**
	 * Return whether the type declares the method, with these parameter types.
	 * @return whether it exists
	 */
	boolean exists() {
		if (CONSTRUCTOR.equals(this.name)) {
			for (Constructor<?> constructor : this.type.getDeclaredConstructors()) {
				if (matches(constructor.getParameterTypes())) {
					return true;
				}
			}
			return false;
		}
		for (Method method : this.type.getDeclaredMethods()) {
			if (method.getName().equals(this.name) && matches(method.getParameterTypes())) {
				return true;
			}
		}
		return false;
	}

	private boolean matches(Class<?>[] types) {
		if (types.length != this.parameters.length) {
			return false;
		}
		for (int i = 0; i < types.length; i++) {
			if (!types[i].getName().equals(this.parameters[i])) {
				return false;
			}
		}
		return true;
	}

	ElementMatcher<MethodDescription> matcher() {
		ElementMatcher.Junction<MethodDescription> matcher = CONSTRUCTOR.equals(this.name)
				? ElementMatchers.isConstructor() : ElementMatchers.named(this.name);
		matcher = matcher.and(ElementMatchers.takesArguments(this.parameters.length));
		for (int i = 0; i < this.parameters.length; i++) {
			matcher = matcher.and(ElementMatchers.takesArgument(i, new ClassName(this.parameters[i])));
		}
		return matcher;
	}

	/**
	 * Matches a type by its {@link Class#getName()}, which spells arrays unlike Byte
	 * Buddy's type names.
	 */
	private static final class ClassName extends ElementMatcher.Junction.AbstractBase<TypeDescription> {

		private final String name;

		ClassName(String name) {
			this.name = name;
		}

		@Override
		public boolean matches(TypeDescription type) {
			return this.name.equals(type.isArray() ? type.getDescriptor().replace('/', '.') : type.getName());
		}

	}

	String describe() {
		return this.type.getSimpleName() + "." + this.name + "(" + String.join(", ", this.parameters) + ")";
	}

}
