package io.github.leakedtasks.agent;

import java.util.concurrent.atomic.AtomicInteger;

import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;

/**
 * Hands the bridge what the composing methods of {@code CompletableFuture} read from the
 * stage their function returned: {@code uniComposeStage},
 * {@code uniComposeExceptionallyStage} and the {@code tryFire} of {@code UniCompose} and
 * {@code UniComposeExceptionally} (the bodies of {@code thenCompose},
 * {@code exceptionallyCompose} and their async forms). Each reads that stage's
 * {@code result} right after its {@code toCompletableFuture()} returned, and relays a
 * failure it holds with no call a hook sees (a direct write of the composed future's
 * result, or {@code completeRelay} with the result alone). A stage that failed between
 * the two, on another thread, was watched although its failure went on.
 * <p>
 * The JDK's code (17 to 25) is {@code g = f.apply(t).toCompletableFuture(); if ((s =
 * g.result) != null) ...}: the read of {@code g.result} that follows the call, the local
 * stored and loaded again, gets {@code FutureHooks.composedResult(s, g)} after it, which
 * returns {@code s}. The read itself, and the {@code NullPointerException} a {@code null}
 * stage throws, stay the JDK's; no other instruction is moved, and the stack grows no
 * higher than the JDK's own {@code dup} of the value takes it.
 *
 * @since 0.1.0
 */
final class ComposedResultReads implements AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper {

	/** The methods, one read in each. */
	static final int EXPECTED = 4;

	private static final String STAGE = "java/util/concurrent/CompletionStage";

	private static final String FUTURE = "java/util/concurrent/CompletableFuture";

	private static final String TO_FUTURE = "()L" + FUTURE + ";";

	private static final String HOOKS = BootstrapBridge.HOOKS.replace('.', '/');

	private final AtomicInteger hooked = new AtomicInteger();

	/**
	 * Return how many reads were found when the types were transformed.
	 * @return the number of reads handed to the bridge
	 */
	int hooked() {
		return this.hooked.get();
	}

	@Override
	public MethodVisitor wrap(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
			MethodVisitor methodVisitor, Implementation.Context implementationContext, TypePool typePool,
			int writerFlags, int readerFlags) {
		return new ReadAfterCall(methodVisitor);
	}

	/**
	 * Follows the instructions: the call, then the store of its value in a local, then
	 * the load of that local, then the read of its {@code result}. Labels, line numbers
	 * and frames between them are passed over; any other instruction starts again.
	 */
	private final class ReadAfterCall extends MethodVisitor {

		private static final int NONE = 0;

		private static final int CALLED = 1;

		private static final int STORED = 2;

		private static final int LOADED = 3;

		private int state = NONE;

		private int local = -1;

		ReadAfterCall(MethodVisitor methodVisitor) {
			super(Opcodes.ASM9, methodVisitor);
		}

		@Override
		public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
			super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
			this.state = (opcode == Opcodes.INVOKEINTERFACE && STAGE.equals(owner) && isInterface
					&& "toCompletableFuture".equals(name) && TO_FUTURE.equals(descriptor)) ? CALLED : NONE;
		}

		@Override
		public void visitVarInsn(int opcode, int var) {
			super.visitVarInsn(opcode, var);
			if (this.state == CALLED && opcode == Opcodes.ASTORE) {
				this.state = STORED;
				this.local = var;
			}
			else if (this.state == STORED && opcode == Opcodes.ALOAD && var == this.local) {
				this.state = LOADED;
			}
			else {
				this.state = NONE;
			}
		}

		@Override
		public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
			super.visitFieldInsn(opcode, owner, name, descriptor);
			if (this.state == LOADED && opcode == Opcodes.GETFIELD && FUTURE.equals(owner) && "result".equals(name)
					&& "Ljava/lang/Object;".equals(descriptor)) {
				ComposedResultReads.this.hooked.incrementAndGet();
				super.visitVarInsn(Opcodes.ALOAD, this.local);
				super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "composedResult",
						"(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", false);
			}
			this.state = NONE;
		}

		@Override
		public void visitInsn(int opcode) {
			super.visitInsn(opcode);
			this.state = NONE;
		}

		@Override
		public void visitIntInsn(int opcode, int operand) {
			super.visitIntInsn(opcode, operand);
			this.state = NONE;
		}

		@Override
		public void visitTypeInsn(int opcode, String type) {
			super.visitTypeInsn(opcode, type);
			this.state = NONE;
		}

		@Override
		public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrapMethodHandle,
				Object... bootstrapMethodArguments) {
			super.visitInvokeDynamicInsn(name, descriptor, bootstrapMethodHandle, bootstrapMethodArguments);
			this.state = NONE;
		}

		@Override
		public void visitJumpInsn(int opcode, Label label) {
			super.visitJumpInsn(opcode, label);
			this.state = NONE;
		}

		@Override
		public void visitLdcInsn(Object value) {
			super.visitLdcInsn(value);
			this.state = NONE;
		}

		@Override
		public void visitIincInsn(int var, int increment) {
			super.visitIincInsn(var, increment);
			this.state = NONE;
		}

		@Override
		public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
			super.visitTableSwitchInsn(min, max, dflt, labels);
			this.state = NONE;
		}

		@Override
		public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
			super.visitLookupSwitchInsn(dflt, keys, labels);
			this.state = NONE;
		}

		@Override
		public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
			super.visitMultiANewArrayInsn(descriptor, numDimensions);
			this.state = NONE;
		}

	}

}
