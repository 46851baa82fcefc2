"""Stories: the week's signals as a letter's stories (selection, wording) and the letter lint."""
