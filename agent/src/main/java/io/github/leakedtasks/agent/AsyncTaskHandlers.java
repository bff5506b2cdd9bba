package io.github.leakedtasks.agent;

import java.util.HashSet;
import java.util.Set;
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
 * Hands the bridge the function of {@code supplyAsync} or {@code runAsync} that threw,
 * from the handler of its task's {@code run} ({@code AsyncSupply}, {@code AsyncRun}): the
 * task lets go of its function before calling it, so once it threw only a local names it,
 * and a failure whose task was not traced (past its type's first ones) was named after
 * the future's class.
 * <p>
 * The JDK's code (17 to 25) is {@code if ((d = dep) != null && (f = fn) != null) { dep =
 * null; fn = null; if (d.result == null) { try { ... f.get() ... } catch (Throwable ex) {
 * d.completeThrowable(ex); } } d.postComplete(); }}: the locals {@code d} and {@code f}
 * are found where the fields are read into them ({@code getfield}, {@code dup},
 * {@code astore}), and right after the handler stores what was thrown, the two are handed
 * to {@code FutureHooks.asyncTaskThrew(d, f)}. Nothing is added on the path of a task
 * that succeeds, no frame comes between the task and its function, and the stack grows no
 * higher than the JDK's own code takes it.
 *
 * @since 0.1.0
 */
final class AsyncTaskHandlers implements AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper {

	/** The tasks' {@code run} methods, one handler in each. */
	static final int EXPECTED = 2;

	private static final String HOOKS = BootstrapBridge.HOOKS.replace('.', '/');

	private final AtomicInteger hooked = new AtomicInteger();

	/**
	 * Return how many handlers were found when the types were transformed.
	 * @return the number of handlers that hand the function to the bridge
	 */
	int hooked() {
		return this.hooked.get();
	}

	@Override
	public MethodVisitor wrap(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
			MethodVisitor methodVisitor, Implementation.Context implementationContext, TypePool typePool,
			int writerFlags, int readerFlags) {
		return new Handler(methodVisitor, instrumentedType.getInternalName());
	}

	/**
	 * Follows the reads of the two fields into their locals, then the handler of
	 * {@code Throwable}: its label, then the store of what was thrown. Labels, line
	 * numbers and frames between them are passed over.
	 */
	private final class Handler extends MethodVisitor {

		private final String owner;

		private final Set<Label> handlers = new HashSet<>();

		/** The field just read and maybe duplicated, not yet stored. */
		private String read;

		private int future = -1;

		private int function = -1;

		private boolean atHandler;

		private boolean handed;

		Handler(MethodVisitor methodVisitor, String owner) {
			super(Opcodes.ASM9, methodVisitor);
			this.owner = owner;
		}

		@Override
		public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
			super.visitTryCatchBlock(start, end, handler, type);
			if ("java/lang/Throwable".equals(type)) {
				this.handlers.add(handler);
			}
		}

		@Override
		public void visitLabel(Label label) {
			super.visitLabel(label);
			if (this.handlers.contains(label)) {
				this.atHandler = true;
			}
		}

		@Override
		public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
			super.visitFieldInsn(opcode, owner, name, descriptor);
			other();
			if (opcode == Opcodes.GETFIELD && this.owner.equals(owner) && ("dep".equals(name) || "fn".equals(name))) {
				this.read = name;
			}
		}

		@Override
		public void visitInsn(int opcode) {
			super.visitInsn(opcode);
			if (opcode != Opcodes.DUP) {
				this.read = null;
			}
			this.atHandler = false;
		}

		@Override
		public void visitVarInsn(int opcode, int var) {
			super.visitVarInsn(opcode, var);
			if (opcode == Opcodes.ASTORE && "dep".equals(this.read)) {
				this.future = var;
			}
			else if (opcode == Opcodes.ASTORE && "fn".equals(this.read)) {
				this.function = var;
			}
			else if (opcode == Opcodes.ASTORE && this.atHandler && !this.handed && this.future >= 0
					&& this.function >= 0) {
				this.handed = true;
				AsyncTaskHandlers.this.hooked.incrementAndGet();
				super.visitVarInsn(Opcodes.ALOAD, this.future);
				super.visitVarInsn(Opcodes.ALOAD, this.function);
				super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "asyncTaskThrew",
						"(Ljava/lang/Object;Ljava/lang/Object;)V", false);
			}
			other();
		}

		@Override
		public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
			super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
			other();
		}

		@Override
		public void visitJumpInsn(int opcode, Label label) {
			super.visitJumpInsn(opcode, label);
			other();
		}

		@Override
		public void visitTypeInsn(int opcode, String type) {
			super.visitTypeInsn(opcode, type);
			other();
		}

		@Override
		public void visitIntInsn(int opcode, int operand) {
			super.visitIntInsn(opcode, operand);
			other();
		}

		@Override
		public void visitLdcInsn(Object value) {
			super.visitLdcInsn(value);
			other();
		}

		@Override
		public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrapMethodHandle,
				Object... bootstrapMethodArguments) {
			super.visitInvokeDynamicInsn(name, descriptor, bootstrapMethodHandle, bootstrapMethodArguments);
			other();
		}

		@Override
		public void visitIincInsn(int var, int increment) {
			super.visitIincInsn(var, increment);
			other();
		}

		@Override
		public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
			super.visitTableSwitchInsn(min, max, dflt, labels);
			other();
		}

		@Override
		public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
			super.visitLookupSwitchInsn(dflt, keys, labels);
			other();
		}

		@Override
		public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
			super.visitMultiANewArrayInsn(descriptor, numDimensions);
			other();
		}

		/** Any instruction but a {@code dup} ends what was followed. */
		private void other() {
			this.read = null;
			this.atHandler = false;
		}

	}

}
