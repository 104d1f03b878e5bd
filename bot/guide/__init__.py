"""The setup guide as the bot knows it: the content cards, and finding the card a question
asks for (reading posts, words, languages, ranking)."""
