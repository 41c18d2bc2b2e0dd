"""The team blueprint."""
