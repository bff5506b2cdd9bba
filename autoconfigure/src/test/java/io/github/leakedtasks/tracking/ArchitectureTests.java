package io.github.leakedtasks.tracking;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The engine depends on the JDK only.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.github.leakedtasks");

	@Test
	void trackingPackageImportsNoSpringAndNoMicrometer() {
		noClasses().that()
			.resideInAPackage("io.github.leakedtasks.tracking..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "io.micrometer..", "io.github.leakedtasks.autoconfigure..",
					"io.github.leakedtasks.actuate..", "io.github.leakedtasks.micrometer..")
			.check(this.classes);
	}

	@Test
	void jfrPackageUsesOnlyTheJdkAndTheEngine() {
		noClasses().that()
			.resideInAPackage("io.github.leakedtasks.jfr..")
			.should()
			.dependOnClassesThat()
			.resideOutsideOfPackages("java..", "jdk.jfr..", "io.github.leakedtasks.tracking..",
					"io.github.leakedtasks.jfr..")
			.check(this.classes);
	}

	@Test
	void trackingPackageUsesOnlyTheJdk() {
		noClasses().that()
			.resideInAPackage("io.github.leakedtasks.tracking..")
			.should()
			.dependOnClassesThat()
			.resideOutsideOfPackages("java..", "io.github.leakedtasks.tracking..")
			.check(this.classes);
	}

}
