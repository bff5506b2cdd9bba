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
 * Hands the future {@code ScheduledThreadPoolExecutor.execute(Runnable)} makes, and
 * drops, to the bridge: its JDK body (17 to 25) is {@code schedule(command, 0,
 * NANOSECONDS);}, a call whose result is popped. The result is duplicated right after the
 * call and passed to {@code FutureHooks.executedOnly}, which marks it; the call itself,
 * its frames and whatever it throws are the JDK's, and no other code in the method
 * (another agent's advice included) is skipped or moved. The stack grows by no more than
 * the call's operands took.
 *
 * @since 0.1.0
 */
final class ScheduledExecuteCall implements AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper {

	private static final String EXECUTOR = "java/util/concurrent/ScheduledThreadPoolExecutor";

	private static final String SCHEDULE = "(Ljava/lang/Runnable;JLjava/util/concurrent/TimeUnit;)"
			+ "Ljava/util/concurrent/ScheduledFuture;";

	private static final String HOOKS = BootstrapBridge.HOOKS.replace('.', '/');

	private final AtomicInteger marked = new AtomicInteger();

	/**
	 * Return whether the call was found when the type was transformed.
	 * @return whether {@code execute} hands its future to the bridge
	 */
	boolean marked() {
		return this.marked.get() > 0;
	}

	@Override
	public MethodVisitor wrap(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
			MethodVisitor methodVisitor, Implementation.Context implementationContext, TypePool typePool,
			int writerFlags, int readerFlags) {
		return new MethodVisitor(Opcodes.ASM9, methodVisitor) {

			@Override
			public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
				super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
				if (opcode == Opcodes.INVOKEVIRTUAL && EXECUTOR.equals(owner) && "schedule".equals(name)
						&& SCHEDULE.equals(descriptor) && !isInterface) {
					ScheduledExecuteCall.this.marked.incrementAndGet();
					super.visitInsn(Opcodes.DUP);
					super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "executedOnly", "(Ljava/lang/Object;)V", false);
				}
			}

		};
	}

}
