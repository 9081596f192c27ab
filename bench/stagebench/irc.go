package main

import "errors"

func p3() error { return errors.New("todo") }
func p2() error { return errors.New("todo") }
