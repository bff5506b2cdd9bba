package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata an IDE shows, generated from the properties' field comments,
 * against the README's properties.
 */
class ConfigurationMetadataTests {

	private static final Pattern PROPERTY = Pattern.compile("\"name\"\\s*:\\s*\"(leaked-tasks\\.[^\"]+)\"");

	private static final Pattern DESCRIPTION = Pattern.compile("\"description\"\\s*:\\s*\"([^\"]*)\"");

	@Test
	void descriptionsArePlainText() throws IOException {
		List<String> descriptions = matches(DESCRIPTION, metadata());
		assertThat(descriptions).isNotEmpty().noneMatch((description) -> description.contains("{@"));
	}

	@Test
	void everyPropertyIsInTheReadme() throws IOException {
		String metadata = metadata();
		List<String> properties = matches(PROPERTY, metadata.substring(metadata.indexOf("\"properties\"")));
		String readme = Files.readString(readme(), StandardCharsets.UTF_8);
		assertThat(properties).hasSizeGreaterThan(10).allSatisfy((name) -> assertThat(readme).contains(name));
	}

	/**
	 * The repository's README, above the directory the tests run in (a module's, or one
	 * of its build's).
	 */
	private static Path readme() {
		for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
			Path readme = directory.resolve("README.md");
			if (Files.isRegularFile(readme) && Files.isDirectory(directory.resolve("autoconfigure"))) {
				return readme;
			}
		}
		throw new IllegalStateException("No README.md above " + Path.of("").toAbsolutePath());
	}

	private static String metadata() throws IOException {
		try (InputStream in = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("generated configuration metadata").isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static List<String> matches(Pattern pattern, String text) {
		List<String> found = new ArrayList<>();
		Matcher matcher = pattern.matcher(text);
		while (matcher.find()) {
			found.add(matcher.group(1));
		}
		return found;
	}

}
