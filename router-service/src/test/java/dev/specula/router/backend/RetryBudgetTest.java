package dev.specula.router.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Resumes across all requests stay within what the requests earned, so a failing mesh is not stormed. */
class RetryBudgetTest {

    @Test
    void aFullBudgetAllowsItsCapThenOnlyWhatNewRequestsEarn() {
        RetryBudget budget = new RetryBudget(0.2, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(budget.tryResume()).as("resume %d", i).isTrue();
        }
        assertThat(budget.tryResume()).isFalse();
        for (int i = 0; i < 4; i++) {
            budget.requestStarted();
            assertThat(budget.tryResume()).as("after %d more requests", i + 1).isFalse();
        }
        budget.requestStarted(); // five requests earn one resume
        assertThat(budget.tryResume()).isTrue();
        assertThat(budget.tryResume()).isFalse();
    }

    @Test
    void savingsStopAtTheCap() {
        RetryBudget budget = new RetryBudget(1.0, 2);
        for (int i = 0; i < 10; i++) {
            budget.requestStarted();
        }
        assertThat(budget.tryResume()).isTrue();
        assertThat(budget.tryResume()).isTrue();
        assertThat(budget.tryResume()).isFalse();
    }
}
