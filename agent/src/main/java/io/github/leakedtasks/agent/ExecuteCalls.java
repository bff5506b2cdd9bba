package io.github.leakedtasks.agent;

import java.util.concurrent.atomic.AtomicInteger;

import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;

/**
 * Points {@code ThreadPoolExecutor.runWorker}'s calls of {@code beforeExecute} and
 * {@code afterExecute} at the bridge's methods of the same names, which call them in
 * turn. Advice on the two methods themselves would miss every subclass that overrides
 * them without calling its super's, as Spring's {@code ThreadPoolTaskExecutor} does. The
 * operands on the stack (the executor, then the arguments) are those of a static method
 * taking the executor first, so each call is replaced in place.
 *
 * @since 0.1.0
 */
final class ExecuteCalls implements AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper {

	private static final String EXECUTOR = "java/util/concurrent/ThreadPoolExecutor";

	private static final String HOOKS = BootstrapBridge.HOOKS.replace('.', '/');

	private static final String BEFORE = "(Ljava/lang/Thread;Ljava/lang/Runnable;)V";

	private static final String AFTER = "(Ljava/lang/Runnable;Ljava/lang/Throwable;)V";

	private final AtomicInteger before = new AtomicInteger();

	private final AtomicInteger after = new AtomicInteger();

	/**
	 * Return whether both calls were replaced when the type was transformed.
	 * @return whether {@code runWorker} calls the bridge
	 */
	boolean replaced() {
		return this.before.get() > 0 && this.after.get() > 0;
	}

	@Override
	public MethodVisitor wrap(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
			MethodVisitor methodVisitor, Implementation.Context implementationContext, TypePool typePool,
			int writerFlags, int readerFlags) {
		return new MethodVisitor(Opcodes.ASM9, methodVisitor) {

			@Override
			public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
				if (opcode == Opcodes.INVOKEVIRTUAL && EXECUTOR.equals(owner) && !isInterface) {
					if ("beforeExecute".equals(name) && BEFORE.equals(descriptor)) {
						ExecuteCalls.this.before.incrementAndGet();
						super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, name,
								"(L" + EXECUTOR + ";Ljava/lang/Thread;Ljava/lang/Runnable;)V", false);
						return;
					}
					if ("afterExecute".equals(name) && AFTER.equals(descriptor)) {
						ExecuteCalls.this.after.incrementAndGet();
						super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, name,
								"(L" + EXECUTOR + ";Ljava/lang/Runnable;Ljava/lang/Throwable;)V", false);
						return;
					}
				}
				super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
			}

		};
	}

}
